// CMA-ES on functions with known minima, its eigen-solver on a hand-worked matrix, and exact
// restoration of its state.
#include <QtTest>

#include <cmath>

#include "methods/cma_es.h"

using lossstudio::core::methods::CmaEs;

namespace {

/// Shifted ellipsoid, condition number 1e6: f(x) = sum_i 10^(6 i/(n-1)) (x_i - s_i)^2, s_i = i - 3.
double ellipsoid(const std::vector<double>& x) {
    const int n = static_cast<int>(x.size());
    double f = 0;
    for (int i = 0; i < n; ++i) {
        const double d = x[i] - (i - 3.0);
        f += std::pow(10.0, 6.0 * i / (n - 1)) * d * d;
    }
    return f;
}

/// Runs until f < target or the budget ends; returns the best point.
std::vector<double> minimise(CmaEs& es, double (*f)(const std::vector<double>&), double target,
                             int generations, double* best) {
    std::vector<double> bestX;
    *best = HUGE_VAL;
    for (int g = 0; g < generations && *best > target; ++g) {
        const auto xs = es.ask();
        std::vector<double> fs;
        for (const auto& x : xs) {
            fs.push_back(f(x));
            if (fs.back() < *best) {
                *best = fs.back();
                bestX = x;
            }
        }
        es.tell(xs, fs);
    }
    return bestX;
}

}  // namespace

class TestCmaEs final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void eigenOfHandWorkedMatrix() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with eigenvectors (1, -1)/sqrt 2, (1, 1)/sqrt 2.
        std::vector<double> values, vectors;
        lossstudio::core::methods::symmetricEigen({2, 1, 1, 2}, 2, values, vectors);
        std::sort(values.begin(), values.end());
        QVERIFY(std::abs(values[0] - 1) < 1e-12 && std::abs(values[1] - 3) < 1e-12);
        // A V = V diag(lambda) column by column.
        std::vector<double> unsorted, v;
        lossstudio::core::methods::symmetricEigen({4, 1, 0, 1, 3, 1, 0, 1, 2}, 3, unsorted, v);
        const double a[9] = {4, 1, 0, 1, 3, 1, 0, 1, 2};
        for (int c = 0; c < 3; ++c) {
            for (int r = 0; r < 3; ++r) {
                double av = 0;
                for (int k = 0; k < 3; ++k) {
                    av += a[r * 3 + k] * v[k * 3 + c];
                }
                QVERIFY(std::abs(av - unsorted[c] * v[r * 3 + c]) < 1e-10);
            }
        }
        QVERIFY(std::abs(unsorted[0] + unsorted[1] + unsorted[2] - 9) < 1e-10);  // the trace
    }

    void reachesTheMinimumOfAShiftedEllipsoid() {
        CmaEs es(std::vector<double>(8, 0.0), 1.2, 0, 42);
        QCOMPARE(es.population(), 4 + int(std::floor(3 * std::log(8.0))));
        double best = 0;
        const auto x = minimise(es, ellipsoid, 1e-10, 3000, &best);
        QVERIFY2(best <= 1e-10, qPrintable(QStringLiteral("f = %1 after %2 generations").arg(best).arg(es.generation())));
        for (int i = 0; i < 8; ++i) {
            QVERIFY2(std::abs(x[i] - (i - 3.0)) < 1e-4, qPrintable(QStringLiteral("x%1 = %2").arg(i).arg(x[i])));
        }
        QVERIFY(es.sigma() < 1e-3);  // the step size shrank as it converged
    }

    void worksWithTheTaylorGloPopulation() {
        // TaylorGLO's settings: sigma 1.2, population 20, 8 parameters.
        CmaEs es(std::vector<double>(8, 0.0), 1.2, 20, 7);
        double best = 0;
        minimise(es, ellipsoid, 1e-8, 2000, &best);
        QVERIFY(best <= 1e-8);
    }

    void stateRestoresTheSameFuture() {
        CmaEs a(std::vector<double>(8, 0.5), 1.2, 10, 3);
        double best = 0;
        minimise(a, ellipsoid, 0, 7, &best);  // seven generations in
        CmaEs b(std::vector<double>(8, 0.0), 1.0, 10, 99);
        QVERIFY(b.setState(a.state()));
        QCOMPARE(b.generation(), a.generation());
        QCOMPARE(b.ask(), a.ask());
        CmaEs wrongSize(std::vector<double>(3, 0.0), 1.0, 10, 1);
        QVERIFY(!wrongSize.setState(a.state()));
    }
};

QTEST_APPLESS_MAIN(TestCmaEs)
#include "test_cma_es.moc"
