# Reference values for the risk models (core/risk/model.py: prepare_records, fit_model,
# coefficient_table, group_table), computed independently in R.
#
# Re-run from the repository root:   Rscript tests/reference/risk_models.R
# Reads ../shared/data/CTDC_synthetic_20210825.tsv; writes tests/reference/risk_models.csv.
# Made with R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2) and brglm2 0.9
# (Debian r-cran-brglm2). logistf is not packaged for Debian bookworm
# (`apt-cache policy r-cran-logistf`: no candidate), so the Firth fits use brglm2
# (type = "AS_mean": Firth's penalty for the logit link) and the profile intervals and
# penalised likelihood-ratio p-values are written out in firth.R.
#
# For each preparation (majority "given": the status as written in the file, as published;
# "derived": as written or, where empty, derived from the age band, the app's option), each
# published model and denominator rule ("published": a missing flag is 0 and the
# recruiter models use records with an intimate-partner, friend or family recruiter;
# "ctdc": records with no flag in the outcome's group are left out):
#   ml:    glm(y ~ rhs, family = binomial) on one row per record;
#   firth: glm(y ~ rhs, family = binomial, method = brglmFit, type = "AS_mean") on one row
#          per record, intervals and p-values from firth.R on the cell counts.
# Output (long form, one number a row): majority, rule, method, model, term, quantity,
# value, note.
#   term "(model)":   n_records (records the model uses; it, its events and non-events
#                     are all >= 10, checked; the events are not written: with the
#                     other cells' counts, which coefficients give, they would narrow
#                     down the withheld cells);
#   coefficient term: estimate, std_error, z, p_value, ci_low, ci_high
#                     (ml: Wald; firth: SE from the Fisher information at the estimate,
#                     profile penalised-likelihood interval, penalised LRT p-value);
#   group (Girls, Women, Boys, Men): log_odds, log_odds_se, probability,
#                     probability_ci_low, probability_ci_high (delta method on the log-odds).
#
# Disclosure: no count below 10 may follow from a committed number. In a saturated model a
# coefficient is a fixed combination of cell log-odds (b = X^-1 logit(p_cell), ML; the same
# with 1/2 added to events and non-events, Firth) and its SE of the cells' 1/e + 1/(n - e),
# so a term whose row of X^-1 touches a cell with 1..9 records, events or non-events is
# withheld (value empty, note says why), and so is that cell's group; in a model with
# fewer parameters than cells every number depends on every cell, so one such cell
# withholds the whole model. The cells revealed under both preparations are checked not to
# differ by a small count.

source(file.path("tests", "reference", "common.R"))
source(file.path("tests", "reference", "firth.R"))
suppressPackageStartupMessages(library(brglm2))

OUT_FILE <- file.path("tests", "reference", "risk_models.csv")

release <- read_release()
prepared <- list(given = published_records(release, "given"),
                 derived = published_records(release, "derived"))
stopifnot(nrow(prepared$given) == 28125)

results <- list()
revealed <- list() # cells of saturated models whose counts follow from committed numbers
add <- function(rule, method, model, term, quantity, value, note = "") {
  results[[length(results) + 1]] <<- data.frame(
    majority = majority, rule = rule, method = method, model = model, term = term,
    quantity = quantity, value = value, note = note
  )
}

for (majority in names(prepared)) for (rule in c("published", "ctdc")) {
  records <- prepared[[majority]]
  for (m in MODELS) {
    rows <- model_rows(records, m, rule)
    formula <- as.formula(paste("y ~", m$rhs))
    cells <- model_cells(rows, m$rhs)
    X_cells <- model.matrix(as.formula(paste("~", m$rhs)), cells)
    small <- is_small(cells$n) | is_small(cells$e) | is_small(cells$n - cells$e)
    saturated <- ncol(X_cells) == nrow(cells)
    if (saturated) revealed[[paste(majority, rule, m$outcome)]] <- cells[!small, ]
    n_records <- nrow(rows)
    n_events <- sum(rows$y)
    stopifnot(n_records >= K_SMALL, n_events >= K_SMALL, n_records - n_events >= K_SMALL)

    ml <- glm(formula, family = binomial, data = rows,
              control = glm.control(epsilon = 1e-14, maxit = 100))
    # summary.glm takes the covariance from the weights of the last IRLS iteration, which
    # were computed at the previous iteration's estimates (up to ~5e-7 relative off in the
    # SEs here); one more pass from the estimates puts them at the maximum likelihood.
    ml <- glm(formula, family = binomial, data = rows, start = coef(ml),
              control = glm.control(epsilon = 1e-14, maxit = 100))
    if (saturated) { # Woolf: the SEs are sqrt(sum over cells of w^2 (1/e + 1/(n - e)))
      woolf <- sqrt(drop(solve(X_cells)^2 %*% (1 / cells$e + 1 / (cells$n - cells$e))))
      stopifnot(max(abs(summary(ml)$coefficients[, 2] / woolf - 1)) < 1e-9)
    }
    firth <- glm(formula, family = binomial, data = rows, method = "brglmFit",
                 type = "AS_mean", epsilon = 1e-14, maxit = 200)
    stopifnot(ml$converged, firth$converged)
    # brglm2's estimates are the maximum of the penalised likelihood written in firth.R
    hand <- firth_maximise(X_cells, cells$e, cells$n, start = coef(ml))
    stopifnot(max(abs(hand$b - coef(firth))) < 1e-8)
    profile <- firth_profile(X_cells, cells$e, cells$n, coef(firth))

    terms <- names(coef(ml))
    if (saturated) {
      weights <- solve(X_cells) # terms x cells
      term_withheld <- apply(weights[, small, drop = FALSE] != 0, 1, any)
      group_cell <- match(
        interaction(GROUPS[names(cells)[seq_len(ncol(cells) - 2)]], drop = FALSE),
        interaction(cells[seq_len(ncol(cells) - 2)], drop = FALSE)
      )
      group_withheld <- small[group_cell]
    } else {
      term_withheld <- rep(any(small), length(terms))
      group_withheld <- rep(any(small), nrow(GROUPS))
    }
    note <- "withheld: rests on a cell with 1-9 records or events or non-events"

    add(rule, "ml", m$outcome, "(model)", "n_records", n_records)
    for (method in c("ml", "firth")) {
      fit <- if (method == "ml") ml else firth
      table <- summary(fit)$coefficients
      estimate <- table[, 1]
      se <- table[, 2]
      z <- estimate / se
      if (method == "ml") {
        values <- cbind(
          estimate = estimate, std_error = se, z = z, p_value = 2 * pnorm(-abs(z)),
          ci_low = estimate - Z95 * se, ci_high = estimate + Z95 * se
        )
      } else {
        values <- cbind(
          estimate = estimate, std_error = se, z = z, p_value = profile$p_value,
          ci_low = profile$ci_low, ci_high = profile$ci_high
        )
      }
      for (i in seq_along(terms)) {
        for (q in colnames(values)) {
          if (term_withheld[i]) {
            add(rule, method, m$outcome, py_term(terms[i]), q, NA, note)
          } else {
            add(rule, method, m$outcome, py_term(terms[i]), q, values[i, q])
          }
        }
      }
      link <- predict(fit, newdata = GROUPS, type = "link", se.fit = TRUE)
      group_values <- cbind(
        log_odds = link$fit, log_odds_se = link$se.fit, probability = plogis(link$fit),
        probability_ci_low = plogis(link$fit - Z95 * link$se.fit),
        probability_ci_high = plogis(link$fit + Z95 * link$se.fit)
      )
      for (g in seq_len(nrow(GROUPS))) {
        for (q in colnames(group_values)) {
          if (group_withheld[g]) {
            add(rule, method, m$outcome, GROUPS$group[g], q, NA, note)
          } else {
            add(rule, method, m$outcome, GROUPS$group[g], q, group_values[g, q])
          }
        }
      }
    }
  }
}

# The derived preparation holds the given one: no difference between a cell revealed under
# both may be a small count either.
for (rule in c("published", "ctdc")) for (m in MODELS) {
  a <- revealed[[paste("given", rule, m$outcome)]]
  b <- revealed[[paste("derived", rule, m$outcome)]]
  if (is.null(a) || is.null(b)) next
  vars <- setdiff(names(a), c("n", "e"))
  both <- merge(a, b, by = vars, suffixes = c(".given", ".derived"))
  differences <- with(both, cbind(n.derived - n.given, e.derived - e.given,
                                  (n.derived - e.derived) - (n.given - e.given)))
  stopifnot(!any(is_small(differences)))
}

out <- do.call(rbind, results)
out$value <- ifelse(is.na(out$value), NA, sprintf("%.15g", out$value))
write.csv(out, OUT_FILE, row.names = FALSE, na = "", quote = FALSE)
cat("wrote", OUT_FILE, ":", nrow(out), "values,", sum(out$note != ""), "withheld\n")
cat(R.version.string, "; brglm2", as.character(packageVersion("brglm2")), "\n")
