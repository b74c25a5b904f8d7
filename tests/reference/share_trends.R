# Reference values for Explore's share trends (share_trend on yearly_shares: a binomial logit
# of one category's yearly share on year, with the change in points per decade), in R.
#
# Re-run from the repository root:   Rscript tests/reference/share_trends.R
# Reads ../shared/data/CTDC_synthetic_20210825.tsv; writes tests/reference/share_trends.csv.
# Made with R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2), base R only.
#
# On all records of the release (no filter), per year of registration: count = records of
# the category, known = records with the field known (the share's denominator).
#   minors:    majorityStatusAtExploit = Minor, the status as written or, where it is
#              empty, derived from the age band (0--8 and 09--17 are minors);
#   women:     gender = Female, among Female, Male and Transgender/NonConforming;
#   age 09-17: ageBroad = 09--17 among the nine bands.
# Likely incomplete years are left out (Explore's default): the trailing run of years each
# below half the median count of the three years before the run (records with a year).
# minors_all_years keeps them.
#
# Model: glm(cbind(count, known - count) ~ I((year - centre) / 10), family = binomial),
# centre = the mean year weighted by known. Dispersion: the quasibinomial fit's Pearson
# dispersion (X^2 / residual df) when above 1, else 1; it multiplies the covariance.
# start_share and end_share are the fitted shares in the first and last year of the fit;
# change = 10 x 100 x (end_share - start_share) / (last_year - first_year) points per
# decade, its 95% interval change -/+ q x se by the delta method written out:
# gradient (1000 / span) x (p1 (1 - p1) - p0 (1 - p0), p1 (1 - p1) x1 - p0 (1 - p0) x0);
# q = qt(0.975, years - 2) when the estimated dispersion is used (above 1: quasi-binomial,
# as summary.glm does for quasi families), else qnorm(0.975). Issue 14: this was 1.96 for
# all; every trend here has a dispersion above 1, so every interval is now the t one.
# Output (long form): trend, field, category, quantity, value.

source(file.path("tests", "reference", "common.R"))

OUT_FILE <- file.path("tests", "reference", "share_trends.csv")

d <- read_release()
d$majority <- majority_given_or_derived(d)

incomplete_years <- function(years) {
  counts <- table(factor(years, levels = min(years):max(years)))
  values <- as.numeric(counts)
  all_years <- as.integer(names(counts))
  for (start in 4:length(values)) {
    reference <- median(values[(start - 3):(start - 1)])
    if (reference > 0 && all(values[start:length(values)] < 0.5 * reference)) {
      return(all_years[start:length(values)])
    }
  }
  integer(0)
}
year <- d$yearOfRegistration
incomplete <- incomplete_years(year[!is.na(year)])
stopifnot(identical(as.integer(incomplete), c(2020L, 2021L)))

TRENDS <- list(
  list(trend = "minors", field = "majorityStatusAtExploit", column = "majority",
       category = "Minor", exclude = incomplete),
  list(trend = "minors_all_years", field = "majorityStatusAtExploit", column = "majority",
       category = "Minor", exclude = integer(0)),
  list(trend = "women", field = "gender", column = "gender", category = "Female",
       exclude = incomplete),
  list(trend = "age_09_17", field = "ageBroad", column = "ageBroad", category = "09--17",
       exclude = incomplete)
)

results <- list()
for (t in TRENDS) {
  value <- d[[t$column]]
  keep <- !is.na(year) & !is.na(value) & !(year %in% t$exclude)
  yearly <- data.frame(
    year = sort(unique(year[keep])),
    count = as.numeric(tapply(value[keep] == t$category, year[keep], sum)),
    known = as.numeric(tapply(value[keep], year[keep], length))
  )
  centre <- weighted.mean(yearly$year, yearly$known)
  f <- cbind(count, known - count) ~ I((year - centre) / 10)
  fit <- glm(f, family = binomial, data = yearly, control = glm.control(epsilon = 1e-14, maxit = 100))
  fit <- glm(f, family = binomial, data = yearly, start = coef(fit),
             control = glm.control(epsilon = 1e-14, maxit = 100))
  quasi <- glm(f, family = quasibinomial, data = yearly, start = coef(fit),
               control = glm.control(epsilon = 1e-14, maxit = 100))
  scale <- max(1, summary(quasi)$dispersion)
  stopifnot(all.equal(summary(quasi)$dispersion,
                      sum(residuals(fit, type = "pearson")^2) / df.residual(fit)))
  cov <- vcov(fit) * scale
  b <- coef(fit)
  first <- min(yearly$year)
  last <- max(yearly$year)
  decade <- decade_change(b, cov, first, last, centre)
  p <- decade$p
  change <- decade$change
  se <- decade$se
  q <- if (scale > 1) qt(0.975, df.residual(fit)) else Z95
  values <- c(
    first_year = first, last_year = last, n_years = nrow(yearly), n_records = sum(yearly$known),
    centre = centre, intercept = b[[1]], slope = b[[2]], slope_se = sqrt(cov[2, 2]),
    scale = scale, start_share = p[[1]], end_share = p[[2]], change = change,
    ci_low = change - q * se, ci_high = change + q * se
  )
  results[[length(results) + 1]] <- data.frame(
    trend = t$trend, field = t$field, category = t$category, quantity = names(values),
    value = sprintf("%.15g", values)
  )
}

out <- do.call(rbind, results)
write.csv(out, OUT_FILE, row.names = FALSE, quote = FALSE)
cat("wrote", OUT_FILE, ":", nrow(out), "values\n")
cat(R.version.string, "\n")
