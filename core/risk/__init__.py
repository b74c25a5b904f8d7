"""The "Who is most at risk" screen: logit models by gender and majority status."""
