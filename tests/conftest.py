import matplotlib

matplotlib.use("Agg")  # library tests only; never exported to notebook kernels
