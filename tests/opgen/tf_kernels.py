"""TensorFlow CPU kernels written in numpy, for the cases whose numpy
expression needs more than one line (tests/opgen/README.md). Each follows
its kernel's float32 arithmetic step by step, so that edge samples land
where TensorFlow's do."""
import numpy as np


def _samples(lo, hi, size, crop):
    """in_y (or in_x) of crop_and_resize_op.cc for every box and crop
    position: [num_boxes, crop]."""
    last = np.float32(size - 1)
    if crop > 1:
        scale = (hi - lo) * last / np.float32(crop - 1)
        positions = np.arange(crop, dtype=np.float32)
        return lo[:, None] * last + positions[None, :] * scale[:, None]
    # The kernel writes 0.5 * (lo + hi) * (size - 1): a double product of
    # the float sum, rounded to float once.
    centre = (0.5 * (lo + hi).astype(np.float64) * (size - 1)).astype(np.float32)
    return centre[:, None]


def _roundf(v):
    """C's roundf for v >= 0: halves away from zero."""
    whole = np.floor(v)
    return int(whole) + int(v - whole >= 0.5)


def crop_and_resize(image, boxes, box_ind, crop_size, method="bilinear",
                    extrapolation_value=0.0):
    """tf.image.crop_and_resize as tensorflow/core/kernels/image/
    crop_and_resize_op.cc computes it on the CPU."""
    image = np.asarray(image).astype(np.float32)
    boxes = np.asarray(boxes, dtype=np.float32)
    box_ind = np.asarray(box_ind)
    _, height, width, depth = image.shape
    crop_h, crop_w = crop_size
    in_y = _samples(boxes[:, 0], boxes[:, 2], height, crop_h)
    in_x = _samples(boxes[:, 1], boxes[:, 3], width, crop_w)
    out = np.full((len(boxes), crop_h, crop_w, depth), extrapolation_value, np.float32)
    for b in range(len(boxes)):
        img = image[box_ind[b]]
        for y in range(crop_h):
            fy = in_y[b, y]
            if fy < 0 or fy > height - 1:
                continue
            for x in range(crop_w):
                fx = in_x[b, x]
                if fx < 0 or fx > width - 1:
                    continue
                if method == "nearest":
                    out[b, y, x] = img[_roundf(fy), _roundf(fx)]
                    continue
                top, bottom = int(np.floor(fy)), int(np.ceil(fy))
                left, right = int(np.floor(fx)), int(np.ceil(fx))
                y_lerp = fy - np.float32(top)
                x_lerp = fx - np.float32(left)
                upper = img[top, left] + (img[top, right] - img[top, left]) * x_lerp
                lower = img[bottom, left] + (img[bottom, right] - img[bottom, left]) * x_lerp
                out[b, y, x] = upper + (lower - upper) * y_lerp
    return out


def conv3d_backprop_input(input_sizes, filt, grad, strides, padding,
                          dilations=(1, 1, 1)):
    """tf.raw_ops.Conv3DBackpropInputV2 in NDHWC: the gradient of Conv3D with
    respect to its input, each out_backprop value spread over the input
    positions its filter taps read (SAME pads the front by half the total, as
    the forward op does). Accumulated in float64, as the tolerance allows."""
    sizes = [int(v) for v in input_sizes]
    grad = grad.astype(np.float64)
    filt = filt.astype(np.float64)
    out = np.zeros(sizes, np.float64)
    front = []
    for i in range(3):
        effective = (filt.shape[i] - 1) * dilations[i] + 1
        total = (grad.shape[1 + i] - 1) * strides[i] + effective - sizes[1 + i]
        front.append(max(total, 0) // 2 if padding == "SAME" else 0)
    for o in np.ndindex(*grad.shape[1:4]):
        for k in np.ndindex(*filt.shape[:3]):
            at = [o[i] * strides[i] - front[i] + k[i] * dilations[i] for i in range(3)]
            if all(0 <= at[i] < sizes[1 + i] for i in range(3)):
                # [batch, out] x [in, out]^T -> [batch, in]
                out[:, at[0], at[1], at[2], :] += grad[:, o[0], o[1], o[2], :] @ filt[k].T
    return out.astype(np.float32)
