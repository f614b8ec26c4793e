#include "methods/cma_es.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lossstudio::core::methods {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace

void symmetricEigen(std::vector<double> a, int n, std::vector<double>& values,
                    std::vector<double>& vectors) {
    vectors.assign(static_cast<std::size_t>(n * n), 0.0);
    for (int i = 0; i < n; ++i) {
        vectors[i * n + i] = 1.0;
    }
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (int p = 0; p < n; ++p) {
            for (int q = p + 1; q < n; ++q) {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if (off < 1e-30) {
            break;
        }
        for (int p = 0; p < n; ++p) {
            for (int q = p + 1; q < n; ++q) {
                const double apq = a[p * n + q];
                if (std::abs(apq) < 1e-300) {
                    continue;
                }
                const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) /
                                 (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1);
                const double s = t * c;
                for (int k = 0; k < n; ++k) {  // A <- A J (columns p, q)
                    const double akp = a[k * n + p];
                    const double akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; ++k) {  // A <- J^T A (rows p, q)
                    const double apk = a[p * n + k];
                    const double aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; ++k) {  // V <- V J
                    const double vkp = vectors[k * n + p];
                    const double vkq = vectors[k * n + q];
                    vectors[k * n + p] = c * vkp - s * vkq;
                    vectors[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    values.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        values[i] = a[i * n + i];
    }
}

CmaEs::CmaEs(std::vector<double> mean, double sigma, int population, std::uint64_t seed)
    : m_n(static_cast<int>(mean.size())), m_mean(std::move(mean)), m_sigma(sigma) {
    const double n = m_n;
    m_lambda = population > 0 ? population : 4 + static_cast<int>(std::floor(3 * std::log(n)));
    m_lambda = std::max(m_lambda, 2);
    m_mu = m_lambda / 2;
    for (int i = 0; i < m_mu; ++i) {
        m_weights.push_back(std::log((m_lambda + 1) / 2.0) - std::log(i + 1.0));
    }
    const double sum = std::accumulate(m_weights.begin(), m_weights.end(), 0.0);
    double squares = 0;
    for (auto& w : m_weights) {
        w /= sum;
        squares += w * w;
    }
    m_muEff = 1 / squares;
    m_cSigma = (m_muEff + 2) / (n + m_muEff + 5);
    m_dSigma = 1 + 2 * std::max(0.0, std::sqrt((m_muEff - 1) / (n + 1)) - 1) + m_cSigma;
    m_cC = (4 + m_muEff / n) / (n + 4 + 2 * m_muEff / n);
    m_c1 = 2 / ((n + 1.3) * (n + 1.3) + m_muEff);
    m_cMu = std::min(1 - m_c1, 2 * (m_muEff - 2 + 1 / m_muEff) / ((n + 2) * (n + 2) + m_muEff));
    m_chiN = std::sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    m_c.assign(static_cast<std::size_t>(m_n * m_n), 0.0);
    for (int i = 0; i < m_n; ++i) {
        m_c[i * m_n + i] = 1.0;
    }
    m_b = m_c;
    m_d.assign(static_cast<std::size_t>(m_n), 1.0);
    m_pSigma.assign(static_cast<std::size_t>(m_n), 0.0);
    m_pC.assign(static_cast<std::size_t>(m_n), 0.0);
    std::uint64_t s = seed;
    for (auto& word : m_rng) {
        word = splitmix(s);
    }
}

double CmaEs::normal() {
    // xoshiro256** uniforms, Box-Muller (no cached second value, so the state is just m_rng).
    auto next = [this] {
        const std::uint64_t result = rotl(m_rng[1] * 5, 7) * 9;
        const std::uint64_t t = m_rng[1] << 17;
        m_rng[2] ^= m_rng[0];
        m_rng[3] ^= m_rng[1];
        m_rng[1] ^= m_rng[2];
        m_rng[0] ^= m_rng[3];
        m_rng[2] ^= t;
        m_rng[3] = rotl(m_rng[3], 45);
        return (static_cast<double>(result >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
    };
    const double u1 = next();
    const double u2 = next();
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
}

std::vector<std::vector<double>> CmaEs::ask() {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(m_lambda),
                                         std::vector<double>(static_cast<std::size_t>(m_n)));
    std::vector<double> z(static_cast<std::size_t>(m_n));
    for (auto& x : out) {
        for (auto& v : z) {
            v = normal();
        }
        for (int i = 0; i < m_n; ++i) {
            double y = 0;
            for (int j = 0; j < m_n; ++j) {
                y += m_b[i * m_n + j] * m_d[j] * z[j];
            }
            x[i] = m_mean[i] + m_sigma * y;
        }
    }
    return out;
}

void CmaEs::tell(const std::vector<std::vector<double>>& candidates,
                 const std::vector<double>& fitness) {
    const int n = m_n;
    std::vector<int> order(candidates.size());
    std::iota(order.begin(), order.end(), 0);
    auto value = [&](int i) { return std::isfinite(fitness[i]) ? fitness[i] : HUGE_VAL; };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return value(a) < value(b); });

    // y_i = (x_i - m) / sigma; weighted recombination of the mu best.
    std::vector<std::vector<double>> y(static_cast<std::size_t>(m_mu), std::vector<double>(n));
    std::vector<double> yw(static_cast<std::size_t>(n), 0.0);
    for (int k = 0; k < m_mu; ++k) {
        const auto& x = candidates[order[k]];
        for (int i = 0; i < n; ++i) {
            y[k][i] = (x[i] - m_mean[i]) / m_sigma;
            yw[i] += m_weights[k] * y[k][i];
        }
    }
    for (int i = 0; i < n; ++i) {
        m_mean[i] += m_sigma * yw[i];
    }
    // C^{-1/2} yw = B D^{-1} B^T yw
    std::vector<double> bty(static_cast<std::size_t>(n), 0.0);
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < n; ++i) {
            bty[j] += m_b[i * n + j] * yw[i];
        }
        bty[j] /= m_d[j];
    }
    const double cs = std::sqrt(m_cSigma * (2 - m_cSigma) * m_muEff);
    double psNorm = 0;
    for (int i = 0; i < n; ++i) {
        double v = 0;
        for (int j = 0; j < n; ++j) {
            v += m_b[i * n + j] * bty[j];
        }
        m_pSigma[i] = (1 - m_cSigma) * m_pSigma[i] + cs * v;
        psNorm += m_pSigma[i] * m_pSigma[i];
    }
    psNorm = std::sqrt(psNorm);
    ++m_generation;
    const double threshold = (1.4 + 2.0 / (n + 1)) * m_chiN;
    const bool hSigma =
        psNorm / std::sqrt(1 - std::pow(1 - m_cSigma, 2.0 * m_generation)) < threshold;
    const double cc = std::sqrt(m_cC * (2 - m_cC) * m_muEff);
    for (int i = 0; i < n; ++i) {
        m_pC[i] = (1 - m_cC) * m_pC[i] + (hSigma ? cc * yw[i] : 0.0);
    }
    const double keep = 1 - m_c1 - m_cMu + (hSigma ? 0.0 : m_c1 * m_cC * (2 - m_cC));
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            double rankMu = 0;
            for (int k = 0; k < m_mu; ++k) {
                rankMu += m_weights[k] * y[k][i] * y[k][j];
            }
            m_c[i * n + j] = keep * m_c[i * n + j] + m_c1 * m_pC[i] * m_pC[j] + m_cMu * rankMu;
        }
    }
    m_sigma *= std::exp((m_cSigma / m_dSigma) * (psNorm / m_chiN - 1));
    updateEigen();
}

void CmaEs::updateEigen() {
    const int n = m_n;
    for (int i = 0; i < n; ++i) {  // enforce symmetry against rounding
        for (int j = i + 1; j < n; ++j) {
            const double v = 0.5 * (m_c[i * n + j] + m_c[j * n + i]);
            m_c[i * n + j] = m_c[j * n + i] = v;
        }
    }
    std::vector<double> values;
    symmetricEigen(m_c, n, values, m_b);
    for (int i = 0; i < n; ++i) {
        m_d[i] = std::sqrt(std::max(values[i], 1e-300));
    }
}

std::vector<double> CmaEs::state() const {
    std::vector<double> s;
    s.push_back(m_n);
    s.push_back(m_lambda);
    s.push_back(m_generation);
    s.push_back(m_sigma);
    s.insert(s.end(), m_mean.begin(), m_mean.end());
    s.insert(s.end(), m_c.begin(), m_c.end());
    s.insert(s.end(), m_pSigma.begin(), m_pSigma.end());
    s.insert(s.end(), m_pC.begin(), m_pC.end());
    for (std::uint64_t word : m_rng) {  // exactly, as two 32-bit halves
        s.push_back(static_cast<double>(word >> 32));
        s.push_back(static_cast<double>(word & 0xffffffffull));
    }
    return s;
}

bool CmaEs::setState(const std::vector<double>& s) {
    const std::size_t n = static_cast<std::size_t>(m_n);
    if (s.size() != 4 + n + n * n + 2 * n + 8 || static_cast<int>(s[0]) != m_n ||
        static_cast<int>(s[1]) != m_lambda) {
        return false;
    }
    std::size_t at = 2;
    m_generation = static_cast<int>(s[at++]);
    m_sigma = s[at++];
    std::copy_n(s.begin() + static_cast<long>(at), n, m_mean.begin());
    at += n;
    std::copy_n(s.begin() + static_cast<long>(at), n * n, m_c.begin());
    at += n * n;
    std::copy_n(s.begin() + static_cast<long>(at), n, m_pSigma.begin());
    at += n;
    std::copy_n(s.begin() + static_cast<long>(at), n, m_pC.begin());
    at += n;
    for (auto& word : m_rng) {
        word = (static_cast<std::uint64_t>(s[at]) << 32) | static_cast<std::uint64_t>(s[at + 1]);
        at += 2;
    }
    updateEigen();
    return true;
}

}  // namespace lossstudio::core::methods
