"""The "Who is most at risk" screen: logit models by gender and majority status.

records (the published preparation, each model's rows) -> model (ModelSpec, fit_model;
firth: the Firth-penalised fit) -> separation, tables, words, charts; protect (what a model may show at threshold k);
option strings are checked with core.options at the public entry points.
"""
