#pragma once

// CMA-ES, the (mu/mu_w, lambda) evolution strategy with covariance matrix adaptation, as in
// N. Hansen, "The CMA Evolution Strategy: A Tutorial" (2016), default strategy parameters.
// Minimises. Plain C++ (no torch); its complete state, random generator included, serialises to
// numbers so a checkpoint can restore it exactly.

#include <cstdint>
#include <string>
#include <vector>

namespace lossstudio::core::methods {

class CmaEs final {
public:
    /// `population` 0 picks the default 4 + floor(3 ln n).
    CmaEs(std::vector<double> mean, double sigma, int population, std::uint64_t seed);

    int dimension() const { return static_cast<int>(m_mean.size()); }
    int population() const { return m_lambda; }
    int generation() const { return m_generation; }
    double sigma() const { return m_sigma; }
    const std::vector<double>& mean() const { return m_mean; }

    /// Samples the next generation's candidates.
    std::vector<std::vector<double>> ask();
    /// Updates the distribution from the candidates ask() returned and their fitness (lower is
    /// better). Non-finite fitness counts as the worst.
    void tell(const std::vector<std::vector<double>>& candidates, const std::vector<double>& fitness);

    /// The whole state as numbers (and back), for checkpoints.
    std::vector<double> state() const;
    bool setState(const std::vector<double>& state);

private:
    double normal();
    void updateEigen();

    int m_n;
    int m_lambda;
    int m_mu;
    std::vector<double> m_weights;
    double m_muEff, m_cSigma, m_dSigma, m_cC, m_c1, m_cMu, m_chiN;

    std::vector<double> m_mean;
    double m_sigma;
    std::vector<double> m_c;          ///< covariance, n x n row-major
    std::vector<double> m_b;          ///< eigenvectors (columns), n x n
    std::vector<double> m_d;          ///< square roots of the eigenvalues
    std::vector<double> m_pSigma;
    std::vector<double> m_pC;
    int m_generation = 0;
    std::uint64_t m_rng[4];           ///< xoshiro256** state
};

/// Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations:
/// eigenvalues and eigenvectors (columns of `vectors`, row-major n x n).
void symmetricEigen(std::vector<double> matrix, int n, std::vector<double>& values,
                    std::vector<double>& vectors);

}  // namespace lossstudio::core::methods
