# Shared by the reference scripts in tests/reference/ (sourced, not run on its own).
#
# Reads the CTDC release of 2021-08-25 and applies the published record selection and the
# two denominator rules, written here from the documented rules (README of the data,
# docs of the risk models), not taken from the Python code.
#
# Run the scripts from the repository root, e.g. `Rscript tests/reference/risk_models.R`;
# the release is read from ../shared/data/ (never copied into the project).
# Written with R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2), base R only, and
# brglm2 0.9 (Debian r-cran-brglm2) for the Firth fits.

DATA_FILE <- file.path("..", "shared", "data", "CTDC_synthetic_20210825.tsv")
Z95 <- qnorm(0.975)
K_SMALL <- 10 # counts 1..K_SMALL-1 must not be derivable from a committed number

options(digits = 15)

read_release <- function() {
  if (!file.exists(DATA_FILE)) {
    stop("the release is not at ", DATA_FILE, " (run from the repository root)")
  }
  # missing is an empty cell; flags are 1 or empty
  d <- read.delim(DATA_FILE, na.strings = "", stringsAsFactors = FALSE)
  stopifnot(nrow(d) == 193025, ncol(d) == 37)
  d
}

flag <- function(x) as.integer(!is.na(x) & x == 1)

# Flag groups of the CTDC's denominator rule present in the 2021 release.
GROUP_FLAGS <- list(
  exploitation = c("isForcedLabour", "isSexualExploit", "isOtherExploit"),
  recruiter = c(
    "recruiterRelationIntimatePartner", "recruiterRelationFriend",
    "recruiterRelationFamily", "recruiterRelationOther"
  )
)
# The published recruiter models use records with an intimate-partner, friend or family recruiter.
RECRUITER_SUBSET <- c(
  "recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily"
)

# The published specification: Female and Adult are the base levels.
MODELS <- list(
  list(outcome = "isSexualExploit", rhs = "gender * majority", subset = NULL),
  list(outcome = "isForcedLabour", rhs = "gender * majority", subset = NULL),
  list(outcome = "recruiterRelationIntimatePartner", rhs = "gender + majority", subset = RECRUITER_SUBSET),
  list(outcome = "recruiterRelationFriend", rhs = "gender * majority", subset = RECRUITER_SUBSET),
  list(outcome = "recruiterRelationFamily", rhs = "majority", subset = RECRUITER_SUBSET)
)

# Majority status as written or, where empty, derived from the age band (0--8 and 09--17
# are minors; an empty band gives no status).
majority_given_or_derived <- function(d) {
  derived <- ifelse(is.na(d$ageBroad), NA,
                    ifelse(d$ageBroad %in% c("0--8", "09--17"), "Minor", "Adult"))
  ifelse(is.na(d$majorityStatusAtExploit), derived, d$majorityStatusAtExploit)
}

# The published preparation: a year of registration, gender Female or Male, and a majority
# status at exploitation written in the file (majority = "given"), or as written or derived
# from the age band (majority = "derived", the app's option).
published_records <- function(d, majority = "given") {
  status <- if (majority == "given") d$majorityStatusAtExploit else majority_given_or_derived(d)
  keep <- !is.na(d$yearOfRegistration) &
    !is.na(d$gender) & d$gender %in% c("Female", "Male") &
    !is.na(status)
  r <- d[keep, ]
  out <- data.frame(
    gender = factor(r$gender, levels = c("Female", "Male")),
    majority = factor(status[keep], levels = c("Adult", "Minor"))
  )
  stopifnot(!anyNA(out$majority))
  for (column in unlist(GROUP_FLAGS)) out[[column]] <- flag(r[[column]])
  out
}

group_of <- function(outcome) {
  for (g in names(GROUP_FLAGS)) if (outcome %in% GROUP_FLAGS[[g]]) return(g)
  stop("no flag group for ", outcome)
}

# The rows one model uses.
#   published: every prepared record (a missing flag is 0), or for the recruiter models
#              those with an intimate-partner, friend or family recruiter;
#   ctdc:      records with at least one flag of the outcome's group set (no flag = unknown).
model_rows <- function(r, m, rule) {
  if (rule == "ctdc") {
    keep <- rowSums(r[GROUP_FLAGS[[group_of(m$outcome)]]]) > 0
  } else if (!is.null(m$subset)) {
    keep <- rowSums(r[m$subset]) > 0
  } else {
    keep <- rep(TRUE, nrow(r))
  }
  rows <- r[keep, ]
  rows$y <- rows[[m$outcome]]
  rows
}

# R's coefficient names -> the project's term names (gender[Male]:majority[Minor]).
py_term <- function(term) {
  term <- sub("^\\(Intercept\\)$", "Intercept", term)
  term <- gsub("gender(Female|Male)", "gender[\\1]", term)
  gsub("majority(Adult|Minor)", "majority[\\1]", term)
}

GROUPS <- data.frame(
  group = c("Girls", "Women", "Boys", "Men"),
  gender = factor(c("Female", "Female", "Male", "Male"), levels = c("Female", "Male")),
  majority = factor(c("Minor", "Adult", "Minor", "Adult"), levels = c("Adult", "Minor"))
)

# Per covariate pattern of the model: records and events (never written out).
model_cells <- function(rows, rhs) {
  vars <- all.vars(as.formula(paste("~", rhs)))
  cells <- aggregate(rows["y"], rows[vars], function(v) c(n = length(v), e = sum(v)))
  cells <- cbind(cells[vars], n = cells$y[, "n"], e = cells$y[, "e"])
  cells
}

is_small <- function(x) x >= 1 & x < K_SMALL

# --------------------------------------------------------------------------- hidden populations
# Shared by hidden_estimates.R and hidden_total_log.R (the method is written out at the top
# of hidden_estimates.R).

# Maximum likelihood fit of outcome ~ gender * majority, restarted at its estimates so
# that vcov() uses the weights at the maximum.
hidden_fit <- function(rows, outcome) {
  rows$y <- rows[[outcome]]
  f <- y ~ gender * majority
  first <- glm(f, family = binomial, data = rows, control = glm.control(epsilon = 1e-14, maxit = 100))
  glm(f, family = binomial, data = rows, start = coef(first),
      control = glm.control(epsilon = 1e-14, maxit = 100))
}

# The two models (sexual exploitation, forced labour) on the same records under `rule`,
# and the joint sandwich covariance of their coefficients.
hidden_models <- function(records, rule) {
  rows <- model_rows(records, MODELS[[1]], rule) # the same records for models 1 and 2
  for (outcome in c("isSexualExploit", "isForcedLabour")) {
    rows$y <- rows[[outcome]]
    cells <- model_cells(rows, "gender * majority")
    stopifnot(!any(is_small(cells$n) | is_small(cells$e) | is_small(cells$n - cells$e)))
  }
  m1 <- hidden_fit(rows, "isSexualExploit")
  m2 <- hidden_fit(rows, "isForcedLabour")
  X <- model.matrix(m1)
  scores <- cbind(X * (rows$isSexualExploit - fitted(m1)), X * (rows$isForcedLabour - fitted(m2)))
  k <- ncol(X)
  bread <- matrix(0, 2 * k, 2 * k)
  bread[1:k, 1:k] <- vcov(m1)
  bread[k + 1:k, k + 1:k] <- vcov(m2)
  list(m1 = m1, m2 = m2, joint = bread %*% crossprod(scores) %*% bread)
}

# The covariance a method's log factor uses: model 1's (published) or the joint one (ratio).
hidden_cov <- function(models, method) {
  if (method == "published") vcov(models$m1) else models$joint
}

# A group's log factor and its gradient in the coefficients (of model 1, or of both).
hidden_log_factor <- function(models, method, group) {
  newdata <- GROUPS[GROUPS$group == group, ]
  x <- drop(model.matrix(~ gender * majority, newdata))
  eta1 <- sum(x * coef(models$m1))
  if (method == "published") return(list(value = eta1, grad = x))
  eta2 <- sum(x * coef(models$m2))
  p1 <- plogis(eta1)
  p2 <- plogis(eta2)
  list(value = log(p1) - log(p2), grad = c((1 - p1) * x, -(1 - p2) * x))
}

# A survey row's log-scale sd below (from its lower bound) and above (from its upper one).
survey_sd <- function(s) {
  c(low = if (is.na(s$low)) 0 else if (s$low == 0) Inf else log(s$count / s$low) / Z95,
    high = if (is.na(s$high)) 0 else log(s$high / s$count) / Z95)
}

# The survey scenarios both scripts use (thousands; described in hidden_estimates.R).
HIDDEN_SURVEYS <- list(
  example = data.frame(group = c("Women", "Men"), count = c(5361, 10656),
                       low = NA_real_, high = NA_real_),
  bounds = data.frame(group = c("Women", "Men"), count = c(5361, 10656),
                      low = c(5000, 9000), high = c(5800, 12000)),
  four_groups = data.frame(group = c("Girls", "Women", "Boys", "Men"),
                           count = c(1000, 5361, 1000, 10656),
                           low = c(800, NA, NA, 9000), high = c(NA, NA, 1300, 12000))
)

# Calls fn(scenario, rule, method, models, cov, survey) for every denominator rule, method
# and survey scenario, the models fitted once per rule.
hidden_scenarios <- function(records, surveys, fn) {
  for (rule in c("published", "ctdc")) {
    models <- hidden_models(records, rule)
    for (method in c("published", "ratio")) {
      cov <- hidden_cov(models, method)
      for (scenario in names(surveys)) fn(scenario, rule, method, models, cov, surveys[[scenario]])
    }
  }
}

# The long-form rows (scenario, rule, method, group, quantity, value) of a hidden CSV.
hidden_results <- list()
hidden_add <- function(scenario, rule, method, group, quantity, value) {
  hidden_results[[length(hidden_results) + 1]] <<- data.frame(
    scenario = scenario, rule = rule, method = method, group = group,
    quantity = quantity, value = value
  )
}

hidden_write <- function(file) {
  out <- do.call(rbind, hidden_results)
  out$value <- ifelse(is.na(out$value), NA, sprintf("%.15g", out$value))
  write.csv(out, file, row.names = FALSE, na = "", quote = FALSE)
  cat("wrote", file, ":", nrow(out), "values\n")
  cat(R.version.string, "\n")
}

# --------------------------------------------------------------------------- share trends
# Shared by share_trends.R and explore_trends_by_source.R. From the coefficients b and
# covariance cov of logit(share) ~ (year - centre) / 10: the fitted shares p of the first
# and last years, their change in percentage points per decade, and its delta-method
# standard error.
decade_change <- function(b, cov, first, last, centre) {
  x <- (c(first, last) - centre) / 10
  p <- plogis(b[1] + b[2] * x)
  per_decade <- 1000 / (last - first)
  grad <- per_decade * c(p[2] * (1 - p[2]) - p[1] * (1 - p[1]),
                         p[2] * (1 - p[2]) * x[2] - p[1] * (1 - p[1]) * x[1])
  list(p = p, change = per_decade * (p[2] - p[1]), se = sqrt(drop(t(grad) %*% cov %*% grad)))
}
