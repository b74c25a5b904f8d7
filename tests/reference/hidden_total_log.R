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

SURVEYS <- list(
  example = data.frame(group = c("Women", "Men"), count = c(5361, 10656),
                       low = NA_real_, high = NA_real_),
  bounds = data.frame(group = c("Women", "Men"), count = c(5361, 10656),
                      low = c(5000, 9000), high = c(5800, 12000)),
  four_groups = data.frame(group = c("Girls", "Women", "Boys", "Men"),
                           count = c(1000, 5361, 1000, 10656),
                           low = c(800, NA, NA, 9000), high = c(NA, NA, 1300, 12000)),
  men_only = data.frame(group = "Men", count = 10656, low = NA_real_, high = NA_real_)
)

records <- published_records(read_release())

fit_ml <- function(rows, outcome) {
  rows$y <- rows[[outcome]]
  f <- y ~ gender * majority
  first <- glm(f, family = binomial, data = rows, control = glm.control(epsilon = 1e-14, maxit = 100))
  # restart at the estimates so that vcov() uses the weights at the maximum likelihood
  glm(f, family = binomial, data = rows, start = coef(first),
      control = glm.control(epsilon = 1e-14, maxit = 100))
}

results <- list()
add <- function(scenario, rule, method, group, quantity, value) {
  results[[length(results) + 1]] <<- data.frame(
    scenario = scenario, rule = rule, method = method, group = group,
    quantity = quantity, value = value
  )
}

for (rule in c("published", "ctdc")) {
  rows <- model_rows(records, MODELS[[1]], rule) # the same records for models 1 and 2
  for (outcome in c("isSexualExploit", "isForcedLabour")) {
    rows$y <- rows[[outcome]]
    cells <- model_cells(rows, "gender * majority")
    stopifnot(!any(is_small(cells$n) | is_small(cells$e) | is_small(cells$n - cells$e)))
  }
  m1 <- fit_ml(rows, "isSexualExploit")
  m2 <- fit_ml(rows, "isForcedLabour")
  X <- model.matrix(m1)
  scores <- cbind(X * (rows$isSexualExploit - fitted(m1)), X * (rows$isForcedLabour - fitted(m2)))
  k <- ncol(X)
  bread <- matrix(0, 2 * k, 2 * k)
  bread[1:k, 1:k] <- vcov(m1)
  bread[k + 1:k, k + 1:k] <- vcov(m2)
  joint <- bread %*% crossprod(scores) %*% bread

  for (method in c("published", "ratio")) {
    cov <- if (method == "published") vcov(m1) else joint
    log_factor_of <- function(group) {
      newdata <- GROUPS[GROUPS$group == group, ]
      x <- drop(model.matrix(~ gender * majority, newdata))
      eta1 <- sum(x * coef(m1))
      if (method == "published") return(list(value = eta1, grad = x))
      eta2 <- sum(x * coef(m2))
      p1 <- plogis(eta1)
      p2 <- plogis(eta2)
      list(value = log(p1) - log(p2), grad = c((1 - p1) * x, -(1 - p2) * x))
    }
    for (scenario in names(SURVEYS)) {
      survey <- SURVEYS[[scenario]]
      total <- 0
      total_grad <- 0
      var_low <- 0
      var_high <- 0
      for (i in seq_len(nrow(survey))) {
        s <- survey[i, ]
        lf <- log_factor_of(s$group)
        estimate <- s$count * exp(lf$value)
        se_low <- if (is.na(s$low)) 0 else if (s$low == 0) Inf else log(s$count / s$low) / Z95
        se_high <- if (is.na(s$high)) 0 else log(s$high / s$count) / Z95
        if (scenario == "men_only") {
          se <- sqrt(drop(t(lf$grad) %*% cov %*% lf$grad))
          ci <- exp(log(estimate) + c(-1, 1) * Z95 * c(sqrt(se^2 + se_low^2), sqrt(se^2 + se_high^2)))
          add(scenario, rule, method, s$group, "estimate", estimate)
          add(scenario, rule, method, s$group, "ci_low", ci[1])
          add(scenario, rule, method, s$group, "ci_high", ci[2])
        }
        total <- total + estimate
        total_grad <- total_grad + estimate * lf$grad
        var_low <- var_low + (estimate * se_low)^2
        var_high <- var_high + (estimate * se_high)^2
      }
      model_var <- drop(t(total_grad) %*% cov %*% total_grad)
      add(scenario, rule, method, "Total", "estimate", total)
      add(scenario, rule, method, "Total", "ci_low", total * exp(-Z95 * sqrt(model_var + var_low) / total))
      add(scenario, rule, method, "Total", "ci_high", total * exp(Z95 * sqrt(model_var + var_high) / total))
    }
  }
}

out <- do.call(rbind, results)
out$value <- ifelse(is.na(out$value), NA, sprintf("%.15g", out$value))
write.csv(out, OUT_FILE, row.names = FALSE, na = "", quote = FALSE)
cat("wrote", OUT_FILE, ":", nrow(out), "values\n")
cat(R.version.string, "\n")
