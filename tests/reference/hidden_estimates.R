# Reference values for the hidden-population estimates (core/hidden/estimate.py:
# extrapolate, total_estimate), computed independently in R.
#
# Re-run from the repository root:   Rscript tests/reference/hidden_estimates.R
# Reads ../shared/data/CTDC_synthetic_20210825.tsv; writes tests/reference/hidden_estimates.csv.
# Made with R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2), base R only.
#
# A survey count of people in forced labour per group (gender x majority status) becomes an
# estimate of people in sexual exploitation:
#   published: count x odds of sexual exploitation,        factor = p1 / (1 - p1);
#   ratio:     count x P(sexual exploitation) / P(forced labour), factor = p1 / p2;
# p1, p2 from glm(isSexualExploit ~ gender * majority) and glm(isForcedLabour ~ gender *
# majority), family = binomial, on one row per record of the published preparation, under
# either denominator rule (published: a missing flag is 0; ctdc: records with no type of
# exploitation left out).
#
# Delta method, written out: log factor = x'b1 (published) or log p1 - log p2 (ratio), with
# gradient x (published) or ((1 - p1) x, -(1 - p2) x) (ratio). Its variance uses vcov(model 1)
# for published, and for ratio the joint sandwich covariance of the two fits on the same
# records: V = A^-1 B A^-1, A^-1 = blockdiag(vcov(m1), vcov(m2)), B = sum over records of
# s s' with s = (x (y1 - p1), x (y2 - p2)) the two models' scores of that record.
# 95% interval of the factor: exp(log factor -/+ 1.96 se). Of the estimate, on the log
# scale: exp(log(count x factor) -/+ 1.96 sqrt(se^2 + s_survey^2)), where a survey lower
# bound L gives s_survey = log(count / L) / 1.96 below (infinite for L = 0) and an upper
# bound U gives log(U / count) / 1.96 above (0 without bounds); a count of 0 gives
# 0 .. U x upper factor.
# Total over the groups, T = sum of the estimates, on the log scale like each group:
# var(log T) = (g' V g + sum_groups (estimate x s_survey)^2) / T^2, g = sum_groups
# estimate x gradient, s_survey the group's log-scale survey sd of that side (from L for
# the lower end, from U for the upper end, as above); interval T exp(-/+ 1.96 sd(log T)).
# A group with a survey count of 0 adds nothing to T and its upper end to the total's.
#
# Survey inputs (thousands; fixed, written into the CSV as survey_count/low/high rows):
#   example:     women 5,361 and men 10,656, no bounds (forced labour of adults, Global
#                Estimates of Modern Slavery 2022, as in the published analysis);
#   bounds:      women 5,361 (5,000 to 5,800), men 10,656 (9,000 to 12,000);
#   four_groups: girls 1,000 (lower bound 800), women 5,361, boys 1,000 (upper bound
#                1,300), men 10,656 (9,000 to 12,000): made-up girls' and boys' figures;
#   edges:       girls 0 (upper bound 200), women 5,361 (0 to 6,000), men 10,656: a count
#                of 0 and a lower bound of 0 (made up).
# Output (long form): scenario, rule, method, group (or "Total"), quantity, value.

source(file.path("tests", "reference", "common.R"))

OUT_FILE <- file.path("tests", "reference", "hidden_estimates.csv")

SURVEYS <- c(HIDDEN_SURVEYS, list(
  edges = data.frame(group = c("Girls", "Women", "Men"), count = c(0, 5361, 10656),
                     low = c(NA, 0, NA), high = c(200, 6000, NA))
))

records <- published_records(read_release())

hidden_scenarios(records, SURVEYS, function(scenario, rule, method, models, cov, survey) {
  total <- 0
  total_grad <- 0
  survey_var_low <- 0
  survey_var_high <- 0
  zero_high <- 0
  for (i in seq_len(nrow(survey))) {
    s <- survey[i, ]
    lf <- hidden_log_factor(models, method, s$group)
    se <- sqrt(drop(t(lf$grad) %*% cov %*% lf$grad))
    factor <- exp(lf$value)
    estimate <- s$count * factor
    sd <- survey_sd(s)
    se_low <- sd[["low"]]
    se_high <- sd[["high"]]
    if (s$count == 0) {
      ci <- c(0, ifelse(is.na(s$high), 0, s$high) * exp(lf$value + Z95 * se))
    } else {
      log_estimate <- log(s$count) + lf$value
      ci <- exp(log_estimate + c(-1, 1) * Z95 * c(sqrt(se^2 + se_low^2), sqrt(se^2 + se_high^2)))
    }
    values <- c(
      survey_count = s$count, survey_low = s$low, survey_high = s$high,
      factor = factor, factor_ci_low = exp(lf$value - Z95 * se),
      factor_ci_high = exp(lf$value + Z95 * se), estimate = estimate,
      ci_low = ci[1], ci_high = ci[2]
    )
    for (q in names(values)) hidden_add(scenario, rule, method, s$group, q, values[[q]])
    if (s$count == 0) {
      zero_high <- zero_high + ci[2]
      next
    }
    total <- total + estimate
    total_grad <- total_grad + estimate * lf$grad
    survey_var_low <- survey_var_low + (estimate * se_low)^2
    survey_var_high <- survey_var_high + (estimate * se_high)^2
  }
  model_var <- drop(t(total_grad) %*% cov %*% total_grad)
  sd_low <- sqrt(model_var + survey_var_low) / total
  sd_high <- sqrt(model_var + survey_var_high) / total
  hidden_add(scenario, rule, method, "Total", "estimate", total)
  hidden_add(scenario, rule, method, "Total", "ci_low", total * exp(-Z95 * sd_low))
  hidden_add(scenario, rule, method, "Total", "ci_high", total * exp(Z95 * sd_high) + zero_high)
})

hidden_write(OUT_FILE)
