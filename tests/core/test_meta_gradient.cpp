// The numerical heart of the engine, each piece against an independent computation:
//  - the traced forward-mode JVP of every model against central finite differences;
//  - the AdaLFL meta-gradient against central finite differences of the meta-objective and
//    against the straightforward double-backward oracle, for every optimiser rule;
//  - the optimisers' real step against torch::optim, their lookahead against their real step,
//    and their step Jacobian against finite differences of the lookahead.
#include <QtTest>

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/types.h>

#include "losses/learned_loss.h"
#include "methods/steps.h"
#include "models/model.h"
#include "train/optimizer.h"

using namespace lossstudio::core;

namespace {

double relativeError(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).norm().item<double>() / std::max(b.norm().item<double>(), 1e-300);
}

torch::Tensor flatCat(const std::vector<torch::Tensor>& tensors) {
    std::vector<torch::Tensor> flat;
    for (const auto& t : tensors) {
        flat.push_back(t.detach().flatten());
    }
    return torch::cat(flat);
}

std::unique_ptr<models::Model> makeDoubleModel(const std::string& name,
                                               std::vector<std::int64_t> shape, int classes,
                                               std::vector<std::int64_t> hidden = {6}) {
    ModelConfig config;
    config.name = name;
    config.hidden = std::move(hidden);
    auto generator = torch::make_generator<at::CPUGeneratorImpl>(7);
    auto made = models::makeModel(config, shape, classes, generator);
    if (!made.ok()) {
        qFatal("%s", made.error().c_str());
    }
    auto model = std::move(made).value();
    model->to(torch::kCPU, torch::kDouble);
    return model;
}

methods::Batch randomBatch(const std::vector<std::int64_t>& shape, std::int64_t n, int classes,
                           std::uint64_t seed) {
    auto g = torch::make_generator<at::CPUGeneratorImpl>(seed);
    std::vector<std::int64_t> full = {n};
    full.insert(full.end(), shape.begin(), shape.end());
    methods::Batch b;
    b.x = torch::randn(full, g, torch::kDouble);
    b.y = torch::randint(classes, {n}, g, torch::kLong);
    return b;
}

}  // namespace

class TestMetaGradient final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void jvpMatchesFiniteDifferences_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QList<int>>("shape");
        QTest::newRow("logistic") << "logistic" << QList<int>{5};
        QTest::newRow("mlp") << "mlp" << QList<int>{5};
        QTest::newRow("lenet5 (tanh, avg-pool)") << "lenet5" << QList<int>{1, 12, 12};
        QTest::newRow("allcnnc (batch norm)") << "allcnnc" << QList<int>{3, 6, 6};
        QTest::newRow("vgg16 (max-pool)") << "vgg16" << QList<int>{3, 4, 4};
        QTest::newRow("resnet18 (residual)") << "resnet18" << QList<int>{3, 4, 4};
        QTest::newRow("wrn16_8 (pre-activation)") << "wrn16_8" << QList<int>{3, 4, 4};
    }
    void jvpMatchesFiniteDifferences() {
        QFETCH(QString, model);
        QFETCH(QList<int>, shape);
        const std::vector<std::int64_t> s(shape.begin(), shape.end());
        auto m = makeDoubleModel(model.toStdString(), s, 3);
        const auto batch = randomBatch(s, 3, 3, 11);
        auto g = torch::make_generator<at::CPUGeneratorImpl>(3);
        // A unit-norm direction: a tiny step in weight space keeps finite differences away from
        // ReLU and max-pool kinks even for the 11M-parameter networks.
        std::vector<torch::Tensor> direction;
        double squared = 0;
        for (const auto& p : m->parameters()) {
            direction.push_back(torch::randn(p.sizes(), g, torch::kDouble));
            squared += direction.back().square().sum().item<double>();
        }
        for (auto& d : direction) {
            d /= std::sqrt(squared);
        }
        models::Tape tape;
        models::Context ctx{m->parameters(), &m->buffers(), models::ForwardMode::Train, &tape};
        const auto out = m->forward(batch.x, ctx);
        const torch::Tensor jvp = tape.jvp(direction, out);

        // Exact check by the adjoint identity <J d, w> = <d, J^T w>, J^T w from reverse mode.
        const torch::Tensor w = torch::randn(out.t.sizes(), g, torch::kDouble);
        const auto vjp = torch::autograd::grad({out.t}, m->parameters(), {w});
        double adjoint = 0;
        for (std::size_t i = 0; i < vjp.size(); ++i) {
            adjoint += (vjp[i] * direction[i]).sum().item<double>();
        }
        const double forward = (jvp * w).sum().item<double>();
        QVERIFY2(std::abs(forward - adjoint) <= 1e-10 * std::max(1.0, std::abs(adjoint)),
                 qPrintable(QStringLiteral("<Jd,w> %1 vs <d,J^T w> %2").arg(forward).arg(adjoint)));
        const double eps = 1e-5;
        auto shifted = [&](double sign) {
            torch::NoGradGuard noGrad;
            std::vector<torch::Tensor> params;
            for (std::size_t i = 0; i < direction.size(); ++i) {
                params.push_back(m->parameters()[i].detach() + sign * eps * direction[i]);
            }
            models::Context c{params, &m->buffers(), models::ForwardMode::TrainNoStats, nullptr};
            return m->forward(batch.x, c).t;
        };
        const torch::Tensor fd = (shifted(1) - shifted(-1)) / (2 * eps);
        // Finite differences as a second, looser check (max-pool / ReLU kinks and 1x1 batch-norm
        // maps limit their precision).
        const double err = relativeError(jvp, fd);
        QVERIFY2(err < 1e-4, qPrintable(QStringLiteral("relative error %1").arg(err)));
    }

    void metaGradientMatchesFiniteDifferences_data() {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<double>("momentum");
        QTest::addColumn<bool>("nesterov");
        QTest::addColumn<double>("weightDecay");
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("reduction");
        QTest::addColumn<QString>("activation");
        QTest::addColumn<double>("ceWeight");
        QTest::newRow("sgd") << "sgd" << 0.0 << false << 0.0 << "softplus"
                             << "mean"
                             << "smooth_leaky_relu" << 0.0;
        QTest::newRow("sgd momentum") << "sgd" << 0.9 << false << 0.0 << "softplus"
                                      << "mean"
                                      << "smooth_leaky_relu" << 0.0;
        QTest::newRow("sgd nesterov wd") << "sgd" << 0.9 << true << 5e-4 << "softplus"
                                         << "mean"
                                         << "smooth_leaky_relu" << 0.0;
        QTest::newRow("adam wd") << "adam" << 0.0 << false << 1e-3 << "softplus"
                                 << "mean"
                                 << "smooth_leaky_relu" << 0.0;
        QTest::newRow("output none, sum") << "sgd" << 0.0 << false << 0.0 << "none"
                                          << "sum"
                                          << "smooth_leaky_relu" << 0.0;
        QTest::newRow("ml3 relu") << "sgd" << 0.0 << false << 0.0 << "softplus"
                                  << "mean"
                                  << "relu" << 0.0;
        QTest::newRow("ce anchor 0.1, softplus") << "sgd" << 0.0 << false << 0.0 << "softplus"
                                                 << "mean"
                                                 << "smooth_leaky_relu" << 0.1;
        QTest::newRow("ce anchor 0.5, nesterov, none") << "sgd" << 0.9 << true << 5e-4 << "none"
                                                       << "mean"
                                                       << "smooth_leaky_relu" << 0.5;
    }
    void metaGradientMatchesFiniteDifferences() {
        QFETCH(QString, optimizer);
        QFETCH(double, momentum);
        QFETCH(bool, nesterov);
        QFETCH(double, weightDecay);
        QFETCH(QString, output);
        QFETCH(QString, reduction);
        QFETCH(QString, activation);
        QFETCH(double, ceWeight);

        auto model = makeDoubleModel("mlp", {4}, 3, {6});
        OptimizerConfig oc;
        oc.name = optimizer.toStdString();
        oc.momentum = momentum;
        oc.nesterov = nesterov;
        oc.weightDecay = weightDecay;
        auto opt = train::Optimizer::create(oc);
        const double lr = optimizer == QLatin1String("adam") ? 0.01 : 0.5;
        // One warm-up step so momentum / moment state is not trivial.
        {
            std::vector<torch::Tensor> g;
            for (const auto& p : model->parameters()) {
                g.push_back(torch::randn_like(p.detach()));
            }
            opt->step(model->parameters(), g, lr, nullptr);
        }
        LossNetConfig lc;
        lc.output = output.toStdString();
        lc.reduction = reduction.toStdString();
        losses::LearnedLoss loss(lc, activation.toStdString());
        auto gen = torch::make_generator<at::CPUGeneratorImpl>(5);
        loss.reset(gen);
        loss.to(torch::kCPU, torch::kDouble);
        const auto train = randomBatch({4}, 5, 3, 21);
        const auto meta = randomBatch({4}, 7, 3, 22);

        // Central finite differences over every phi coordinate.
        std::vector<double> fdValues;
        {
            const double eps = 1e-6;
            for (auto& w : loss.parameters()) {
                auto flat = w.data().view({-1});
                for (std::int64_t k = 0; k < flat.numel(); ++k) {
                    const double keep = flat[k].item<double>();
                    flat[k] = keep + eps;
                    const double up =
                        methods::metaObjective(*model, *opt, lr, loss, train, meta, ceWeight);
                    flat[k] = keep - eps;
                    const double down =
                        methods::metaObjective(*model, *opt, lr, loss, train, meta, ceWeight);
                    flat[k] = keep;
                    fdValues.push_back((up - down) / (2 * eps));
                }
            }
        }
        const torch::Tensor fd = torch::tensor(fdValues, torch::kDouble);
        const torch::Tensor reference =
            flatCat(methods::referenceMetaGradient(*model, *opt, lr, loss, train, meta, ceWeight));

        // The real update the step must make: the optimiser's rule on the gradient of
        // M_phi + w * cross-entropy, computed here by autograd on the plain objective.
        std::vector<torch::Tensor> expectedParams;
        {
            const torch::Tensor logits = model->forward(train.x, models::ForwardMode::Train);
            const torch::Tensor probs = torch::softmax(logits, 1);
            const torch::Tensor target = torch::one_hot(train.y, 3).to(torch::kDouble);
            const torch::Tensor objective =
                loss.value(target, probs).sum() * (loss.classFactor(3) / 5.0) +
                ceWeight * at::cross_entropy_loss(logits, train.y);
            const auto g = torch::autograd::grad({objective}, model->parameters());
            for (const auto& t : opt->lookahead(model->parameters(), g, lr)) {
                expectedParams.push_back(t.detach());
            }
        }

        OptimizerConfig metaConfig;
        metaConfig.name = "adam";
        auto metaOpt = train::Optimizer::create(metaConfig);
        std::vector<torch::Tensor> fastGrads;
        const auto result = methods::metaStep(*model, *opt, lr, loss, *metaOpt, 1e-3, train, meta,
                                              ceWeight, &fastGrads);
        QVERIFY(result.finite);
        const double errStep = relativeError(flatCat(model->parameters()), flatCat(expectedParams));
        QVERIFY2(errStep < 1e-12, qPrintable(QStringLiteral("the update: %1").arg(errStep)));
        const torch::Tensor fast = flatCat(fastGrads);
        QVERIFY(fd.norm().item<double>() > 1e-8);  // the check is not vacuous
        const double errFd = relativeError(fast, fd);
        const double errRef = relativeError(fast, reference);
        QVERIFY2(errFd < 1e-4, qPrintable(QStringLiteral("vs finite differences: %1").arg(errFd)));
        QVERIFY2(errRef < 1e-9, qPrintable(QStringLiteral("vs double-backward: %1").arg(errRef)));
    }

    // The step's reported gradient norm, against the norm of the same gradient summed in double
    // element by element: a float model with a million weights, where a float reduction over a
    // whole tensor is off in the fifth digit.
    void gradientNormMatchesDoubleSum() {
        ModelConfig config;
        config.name = "mlp";
        config.hidden = {1000};
        auto generator = torch::make_generator<at::CPUGeneratorImpl>(3);
        auto model = std::move(models::makeModel(config, {1, 28, 28}, 10, generator)).value();
        auto g = torch::make_generator<at::CPUGeneratorImpl>(4);
        methods::Batch batch;
        batch.x = torch::randn({64, 1, 28, 28}, g, torch::kFloat);
        batch.y = torch::randint(10, {64}, g, torch::kLong);
        const torch::Tensor logits = model->forward(batch.x, models::ForwardMode::Train);
        const auto grads =
            torch::autograd::grad({at::cross_entropy_loss(logits, batch.y)}, model->parameters());
        double squares = 0;
        for (const auto& t : grads) {
            const torch::Tensor c = t.contiguous();
            const float* p = c.data_ptr<float>();
            for (std::int64_t i = 0; i < c.numel(); ++i) {
                squares += static_cast<double>(p[i]) * static_cast<double>(p[i]);
            }
        }
        OptimizerConfig oc;
        oc.name = "sgd";
        auto sgd = train::Optimizer::create(oc);
        const auto r = methods::crossEntropyStep(*model, *sgd, 0.01, batch);
        const double err = std::abs(r.gradNorm - std::sqrt(squares)) / std::sqrt(squares);
        QVERIFY2(err < 1e-7,
                 qPrintable(QStringLiteral("gradient norm %1 against %2 (relative error %3)")
                                .arg(r.gradNorm, 0, 'g', 12)
                                .arg(std::sqrt(squares), 0, 'g', 12)
                                .arg(err)));
    }

    void optimizerStepMatchesTorchOptim_data() {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<double>("momentum");
        QTest::addColumn<bool>("nesterov");
        QTest::addColumn<double>("weightDecay");
        QTest::newRow("sgd") << "sgd" << 0.0 << false << 0.0;
        QTest::newRow("sgd weight decay") << "sgd" << 0.0 << false << 1e-2;
        QTest::newRow("sgd momentum") << "sgd" << 0.9 << false << 0.0;
        QTest::newRow("sgd nesterov weight decay") << "sgd" << 0.9 << true << 5e-4;
        QTest::newRow("adam") << "adam" << 0.0 << false << 0.0;
        QTest::newRow("adam weight decay") << "adam" << 0.0 << false << 1e-2;
    }
    void optimizerStepMatchesTorchOptim() {
        QFETCH(QString, optimizer);
        QFETCH(double, momentum);
        QFETCH(bool, nesterov);
        QFETCH(double, weightDecay);
        const double lr = 0.05;
        OptimizerConfig oc;
        oc.name = optimizer.toStdString();
        oc.momentum = momentum;
        oc.nesterov = nesterov;
        oc.weightDecay = weightDecay;
        auto ours = train::Optimizer::create(oc);

        auto g = torch::make_generator<at::CPUGeneratorImpl>(9);
        std::vector<torch::Tensor> mine = {torch::randn({4, 3}, g, torch::kDouble).requires_grad_(),
                                           torch::randn({3}, g, torch::kDouble).requires_grad_()};
        std::vector<torch::Tensor> theirs;
        for (const auto& p : mine) {
            theirs.push_back(p.detach().clone().requires_grad_());
        }
        std::unique_ptr<torch::optim::Optimizer> reference;
        if (optimizer == QLatin1String("adam")) {
            reference = std::make_unique<torch::optim::Adam>(
                theirs, torch::optim::AdamOptions(lr).weight_decay(weightDecay));
        } else {
            reference = std::make_unique<torch::optim::SGD>(
                theirs, torch::optim::SGDOptions(lr).momentum(momentum).nesterov(nesterov).weight_decay(
                            weightDecay));
        }
        for (int step = 0; step < 4; ++step) {
            std::vector<torch::Tensor> grads;
            for (const auto& p : mine) {
                grads.push_back(torch::randn(p.sizes(), g, torch::kDouble));
            }
            // The differentiable lookahead predicts the real step; its Jacobian is the step's.
            const auto predicted = ours->lookahead(mine, grads, lr);
            std::vector<torch::Tensor> v;
            for (const auto& p : mine) {
                v.push_back(torch::randn(p.sizes(), g, torch::kDouble));
            }
            train::StepJacobian jacobian;
            for (std::size_t i = 0; i < grads.size(); ++i) {
                theirs[i].mutable_grad() = grads[i].clone();
            }
            // The step's Jacobian is diagonal, so J v equals the vector-Jacobian product that
            // autograd computes through the differentiable lookahead.
            std::vector<torch::Tensor> gradsVar;
            for (const auto& gr : grads) {
                gradsVar.push_back(gr.clone().requires_grad_());
            }
            const auto ahead = ours->lookahead(mine, gradsVar, lr);
            const auto vjp = torch::autograd::grad(ahead, gradsVar, v);
            ours->step(mine, grads, lr, &jacobian);
            reference->step();
            for (std::size_t i = 0; i < mine.size(); ++i) {
                QVERIFY2(relativeError(mine[i], theirs[i].detach()) < 1e-12,
                         qPrintable(QStringLiteral("step %1 param %2 differs from torch::optim").arg(step).arg(i)));
                QVERIFY(relativeError(mine[i], predicted[i]) < 1e-12);
                const double err = relativeError(jacobian.apply(i, v[i]), vjp[i]);
                QVERIFY2(err < 1e-8, qPrintable(QStringLiteral("Jacobian error %1").arg(err)));
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestMetaGradient)
#include "test_meta_gradient.moc"
