# Reference values for Explore's source-aware trends (issue 14, items 1 and 2), in R:
# the share of minors on year pooled and within each way minor/adult status is recorded,
# with the quasi-binomial t interval (core.explore.shifts: share_trend, source_checks).
#
# Re-run from the repository root:   Rscript tests/reference/explore_trends_by_source.R
# Reads ../shared/data/CTDC_synthetic_20210825.tsv; writes
# tests/reference/explore_trends_by_source.csv. R 4.2.2 (Debian bookworm r-base-core
# 4.2.2.20221110-2), base R only.
#
# Records: every record of the release with a year of registration and a status, 2002-2019
# (2020 and 2021, the likely incomplete years, left out as Explore does by default).
# Source of the status: "given" where majorityStatusAtExploit is written in the file,
# "derived from age" where it is empty and the age band gives it (0--8 and 09--17 are
# minors); a record with neither has no status and is left out.
#   pooled:  every record with a status (the trend Explore has always shown);
#   given / derived from age: the records of that source alone, in the years where that
#            source holds at least 5% of the year's records with a status (a handful of
#            records is not yet a way of recording; on this release it leaves out given's
#            2007, 2012 and 2013, each with few given records).
#
# Model (each trend): glm(cbind(count, known - count) ~ I((year - centre) / 10),
# family = quasibinomial), centre = the mean year weighted by known. The dispersion used is
# max(1, the quasibinomial one); the change per decade between the fitted first and last
# years, 10 x 100 x (p_last - p_first) / (last - first), has its SE by the delta method
# (written out as numDeriv would do it, analytically) and its 95% interval
# change -/+ qt(0.975, years - 2) x SE when the dispersion used is above 1 (qnorm(0.975)
# otherwise). observed_start / observed_end (pooled only) are the observed shares of the
# first and last year.
#
# The source mix: the share of records with a status whose status is given in the file,
# per year 2002-2019, written only for years where the given records and the rest are each
# 0 or at least 10 (a committed number must not give back a count of 1 to 9); others are
# empty with a note.
#
# Disclosure: every cell (minors, adults, per year and trend) entering a fit is checked to
# be at least 10, so no estimate here rests on a count of 1 to 9. No counts are written.
# Output (long form): trend, quantity, value, note.

source(file.path("tests", "reference", "common.R"))

OUT_FILE <- file.path("tests", "reference", "explore_trends_by_source.csv")
MIN_SOURCE_SHARE <- 0.05
YEARS <- 2002:2019

d <- read_release()
status <- majority_given_or_derived(d)
source_of <- ifelse(!is.na(d$majorityStatusAtExploit), "given",
                    ifelse(!is.na(status), "derived from age", NA))
keep <- !is.na(d$yearOfRegistration) & !is.na(status) & d$yearOfRegistration %in% YEARS
r <- data.frame(year = d$yearOfRegistration[keep], status = status[keep],
                source = source_of[keep], stringsAsFactors = FALSE)
stopifnot(nrow(r) == 92426)

per_year <- as.data.frame.matrix(table(factor(r$year, levels = YEARS), r$source))
per_year$known <- rowSums(per_year)
given_share <- per_year$given / per_year$known
names(given_share) <- YEARS

fit_trend <- function(rows) {
  yearly <- data.frame(
    year = sort(unique(rows$year)),
    count = as.numeric(tapply(rows$status == "Minor", rows$year, sum)),
    known = as.numeric(tapply(rows$status, rows$year, length))
  )
  # disclosure: no cell of 1 to 9 behind a committed estimate
  stopifnot(all(yearly$count >= K_SMALL), all(yearly$known - yearly$count >= K_SMALL))
  centre <- weighted.mean(yearly$year, yearly$known)
  f <- cbind(count, known - count) ~ I((year - centre) / 10)
  ctl <- glm.control(epsilon = 1e-14, maxit = 100)
  fit <- glm(f, family = quasibinomial, data = yearly, control = ctl)
  fit <- glm(f, family = quasibinomial, data = yearly, start = coef(fit), control = ctl)
  scale <- max(1, summary(fit)$dispersion)
  cov <- summary(fit)$cov.unscaled * scale
  b <- coef(fit)
  first <- min(yearly$year)
  last <- max(yearly$year)
  decade <- decade_change(b, cov, first, last, centre)
  p <- decade$p
  change <- decade$change
  se <- decade$se
  t_df <- if (scale > 1) df.residual(fit) else 0
  q <- if (t_df > 0) qt(0.975, t_df) else Z95
  list(
    values = c(
      first_year = first, last_year = last, n_years = nrow(yearly), slope = b[[2]],
      slope_se = sqrt(cov[2, 2]), scale = scale, t_df = t_df, start_share = p[[1]],
      end_share = p[[2]], change = change, ci_low = change - q * se, ci_high = change + q * se
    ),
    yearly = yearly
  )
}

results <- list()
add <- function(trend, values, note = "") {
  results[[length(results) + 1]] <<- data.frame(
    trend = trend, quantity = names(values),
    value = ifelse(is.na(values), "", sprintf("%.15g", values)), note = note
  )
}

pooled <- fit_trend(r)
y <- pooled$yearly
add("pooled", c(pooled$values, observed_start = y$count[1] / y$known[1],
                observed_end = y$count[nrow(y)] / y$known[nrow(y)]))
for (s in c("given", "derived from age")) {
  share_s <- per_year[[s]] / per_year$known
  covered <- YEARS[share_s >= MIN_SOURCE_SHARE]
  add(s, fit_trend(r[r$source == s & r$year %in% covered, ])$values)
}
stopifnot(identical(YEARS[given_share < MIN_SOURCE_SHARE & per_year$given > 0],
                    c(2007L, 2012L, 2013L)))

rest <- per_year$known - per_year$given
quotable <- (per_year$given == 0 | per_year$given >= K_SMALL) & rest >= K_SMALL
mix <- ifelse(quotable, given_share, NA)
names(mix) <- paste0("given_share_", YEARS)
add("mix", mix, ifelse(quotable, "", "withheld: a count of 1 to 9 behind it"))

out <- do.call(rbind, results)
write.csv(out, OUT_FILE, row.names = FALSE, quote = FALSE)
cat("wrote", OUT_FILE, ":", nrow(out), "values\n")
cat(R.version.string, "\n")
