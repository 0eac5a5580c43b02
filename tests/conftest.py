import matplotlib

matplotlib.use("Agg")  # library tests only; never exported to notebook kernels


def pytest_configure(config):
    config.addinivalue_line("markers", "dask: starts a real Dask scheduler and workers on 127.0.0.1 (part of make test)")
