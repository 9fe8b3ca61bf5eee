"""Forecasting: price series in, fitted forecasters, forecasts and backtests out; no database.

Layout: ``contract`` (the estimator contract and ``Forecast``), ``frequency`` and
``preparation`` (regular series, season length, length checks), ``engines`` (one module per
family, looked up by name), ``metrics`` and ``backtest`` (rolling-origin evaluation with the
naive baselines beside every model).
"""
