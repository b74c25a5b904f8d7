"""The "Hidden populations" screen: survey counts to estimates of people surveys miss."""
