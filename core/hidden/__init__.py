"""The "Hidden populations" screen: survey counts to estimates of people surveys miss.

survey (typed or uploaded counts) -> estimate (extrapolate with the risk models,
total_estimate, protect_estimates) -> words, charts.
"""
