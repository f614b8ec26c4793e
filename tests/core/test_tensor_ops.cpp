// A first engine test: LibTorch ops and autograd against values worked by hand.
#include <QtTest>

#include <torch/types.h>
#include <torch/csrc/autograd/autograd.h>

class TestTensorOps final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matmulMatchesHandWorkedProduct() {
        // [1 2; 3 4] x [5; 6] = [17; 39]
        const auto a = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kDouble).view({2, 2});
        const auto b = torch::tensor({5.0, 6.0}, torch::kDouble).view({2, 1});
        const auto c = torch::matmul(a, b);
        QCOMPARE(c[0][0].item<double>(), 17.0);
        QCOMPARE(c[1][0].item<double>(), 39.0);
    }

    void softmaxCrossEntropyGradientIsPMinusY() {
        // d/dz CE(softmax(z), y) = softmax(z) - onehot(y); for z = (0, ln 3): p = (1/4, 3/4).
        auto z = torch::tensor({0.0, std::log(3.0)}, torch::kDouble).view({1, 2}).requires_grad_();
        const auto target = torch::tensor({int64_t{0}}, torch::kLong);
        const auto loss = torch::nll_loss(torch::log_softmax(z, /*dim=*/1), target);
        QVERIFY(std::abs(loss.item<double>() - std::log(4.0)) < 1e-12);
        const auto grad = torch::autograd::grad({loss}, {z})[0];
        QVERIFY(std::abs(grad[0][0].item<double>() - (0.25 - 1.0)) < 1e-12);
        QVERIFY(std::abs(grad[0][1].item<double>() - 0.75) < 1e-12);
    }
};

QTEST_APPLESS_MAIN(TestTensorOps)
#include "test_tensor_ops.moc"
