"""The Gaussian MLE with Python's statistics module: fmean for the mean, and stdev for the
standard deviation (the sample one, which divides by n - 1)."""
import math
import statistics

from scipy.optimize import minimize


def gaussian_log_likelihood(x, mu, sigma):
    values = [float(v) for v in x]
    return math.fsum(-0.5 * math.log(2 * math.pi * sigma ** 2) - (v - mu) ** 2 / (2 * sigma ** 2)
                     for v in values)


def gaussian_mle(x):
    values = [float(v) for v in x]
    mu = statistics.fmean(values)
    return mu, statistics.stdev(values, mu)


def gaussian_mle_numerical(x):
    values = [float(v) for v in x]
    centre = statistics.median(values)
    scale = statistics.pstdev(values) or 1.0
    z = [(v - centre) / scale for v in values]

    def objective(theta):  # theta = (mu, log sigma), on standardised data
        return -gaussian_log_likelihood(z, theta[0], math.exp(theta[1])) / len(z)

    result = minimize(objective, [0.0, 0.0], method="Nelder-Mead",
                      options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 5000})
    return centre + scale * result.x[0], scale * math.exp(result.x[1])
