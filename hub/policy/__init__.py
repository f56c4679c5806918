"""The information-sharing policy: the one place that decides every disclosure about a child."""
