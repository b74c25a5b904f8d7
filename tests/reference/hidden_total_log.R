# Reference values for the hidden-population TOTAL on the log scale (core/hidden/estimate.py:
# total_estimate), computed independently in R. The per-group values are pinned by
# hidden_estimates.R, whose "Total" rows now follow the same log-scale rule.
#
# Re-run from the repository root:   Rscript tests/reference/hidden_total_log.R
# Reads ../shared/data/CTDC_synthetic_20210825.tsv; writes tests/reference/hidden_total_log.csv.
# Made with R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2), base R only.
#
# Models, factors, gradients and the joint covariance as in hidden_estimates.R. The total
# T = sum of the groups' estimates E_i gets a 95% interval by the delta method on log T:
#   var(log T) = (g' V g + sum_i (E_i s_i)^2) / T^2,   g = sum_i E_i x gradient of log factor_i,
# with s_i the survey's log-scale sd of group i: log(count / L) / 1.96 for the lower end
# (infinite for L = 0), log(U / count) / 1.96 for the upper end, 0 without that bound.
# Interval: T exp(-1.96 sd_low), T exp(+1.96 sd_high). (A count of 0 adds its own upper end;
# none of the scenarios has one.)
#
# Survey inputs (thousands), as in hidden_estimates.R, plus "men_only" (the page's case
# with only men typed: the total must be the men's own interval):
#   example:     women 5,361 and men 10,656, no bounds;
#   bounds:      women 5,361 (5,000 to 5,800), men 10,656 (9,000 to 12,000);
#   four_groups: girls 1,000 (lower bound 800), women 5,361, boys 1,000 (upper bound
#                1,300), men 10,656 (9,000 to 12,000): made-up girls' and boys' figures;
#   men_only:    men 10,656, no bounds.
# Output (long form): scenario, rule, method, group ("Total" or "Men" for men_only's own
# interval), quantity (estimate, ci_low, ci_high), value.

source(file.path("tests", "reference", "common.R"))

OUT_FILE <- file.path("tests", "reference", "hidden_total_log.csv")

SURVEYS <- c(HIDDEN_SURVEYS, list(
  men_only = data.frame(group = "Men", count = 10656, low = NA_real_, high = NA_real_)
))

records <- published_records(read_release())

hidden_scenarios(records, SURVEYS, function(scenario, rule, method, models, cov, survey) {
  total <- 0
  total_grad <- 0
  var_low <- 0
  var_high <- 0
  for (i in seq_len(nrow(survey))) {
    s <- survey[i, ]
    lf <- hidden_log_factor(models, method, s$group)
    estimate <- s$count * exp(lf$value)
    sd <- survey_sd(s)
    se_low <- sd[["low"]]
    se_high <- sd[["high"]]
    if (scenario == "men_only") {
      se <- sqrt(drop(t(lf$grad) %*% cov %*% lf$grad))
      ci <- exp(log(estimate) + c(-1, 1) * Z95 * c(sqrt(se^2 + se_low^2), sqrt(se^2 + se_high^2)))
      hidden_add(scenario, rule, method, s$group, "estimate", estimate)
      hidden_add(scenario, rule, method, s$group, "ci_low", ci[1])
      hidden_add(scenario, rule, method, s$group, "ci_high", ci[2])
    }
    total <- total + estimate
    total_grad <- total_grad + estimate * lf$grad
    var_low <- var_low + (estimate * se_low)^2
    var_high <- var_high + (estimate * se_high)^2
  }
  model_var <- drop(t(total_grad) %*% cov %*% total_grad)
  hidden_add(scenario, rule, method, "Total", "estimate", total)
  hidden_add(scenario, rule, method, "Total", "ci_low", total * exp(-Z95 * sqrt(model_var + var_low) / total))
  hidden_add(scenario, rule, method, "Total", "ci_high", total * exp(Z95 * sqrt(model_var + var_high) / total))
})

hidden_write(OUT_FILE)
