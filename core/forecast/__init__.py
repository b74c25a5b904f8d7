"""The "Trends and forecast" screen: yearly series, forecast models and their backtest."""
