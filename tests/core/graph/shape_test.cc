// Partial shapes: compatibility as TensorFlow's PartialTensorShape defines it.
#include <gtest/gtest.h>

#include "core/graph/graph.h"

namespace tflconv {
namespace {

TEST(ShapeTest, UnknownRanksAndDimsAreCompatibleWithAnything) {
  EXPECT_TRUE(Shape::Unknown().CompatibleWith(Shape::Of({2, 3})));
  EXPECT_TRUE(Shape::Of({2, 3}).CompatibleWith(Shape::Unknown()));
  EXPECT_TRUE(Shape::Of({-1, 3}).CompatibleWith(Shape::Of({2, 3})));
  EXPECT_TRUE(Shape::Of({2, 3}).CompatibleWith(Shape::Of({2, -1})));
}

TEST(ShapeTest, KnownDimsAndRanksMustAgree) {
  EXPECT_FALSE(Shape::Of({2, 3}).CompatibleWith(Shape::Of({2, 4})));
  EXPECT_FALSE(Shape::Of({2, 3}).CompatibleWith(Shape::Of({2, 3, 1})));
  EXPECT_FALSE(Shape::Of({}).CompatibleWith(Shape::Of({1})));
  EXPECT_TRUE(Shape::Of({}).CompatibleWith(Shape::Of({})));
}

}  // namespace
}  // namespace tflconv
