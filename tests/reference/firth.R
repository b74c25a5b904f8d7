# Firth-penalised logit on grouped counts, written out (sourced by risk_models.R).
#
# Base R only; written with R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2).
# Not run on its own: `Rscript tests/reference/risk_models.R` from the repository root.
#
# Penalised log-likelihood l*(b) = l(b) + 1/2 log det I(b) (Jeffreys prior, Firth 1993),
# I(b) = X' W X with W = n p (1 - p) per covariate pattern. Its gradient is the modified
# score U*(b) = X' (e - n p + h (1/2 - p)), h the diagonal of the hat matrix
# W^1/2 X I^-1 X' W^1/2. Grouped counts give the same l* as one row per record.
#
# Used for what brglm2 does not give: profile penalised-likelihood 95% intervals and
# penalised likelihood-ratio p-values, both with the full model's penalty while a
# coefficient is held fixed (as R's logistf does). Its estimates are checked against
# brglm2's (type = "AS_mean", which for the logit link is Firth's penalty).

penalised_loglik <- function(b, X, e, n) {
  eta <- drop(X %*% b)
  p <- plogis(eta)
  info <- crossprod(X, X * (n * p * (1 - p)))
  sum(e * plogis(eta, log.p = TRUE) + (n - e) * plogis(-eta, log.p = TRUE)) +
    0.5 * as.numeric(determinant(info, logarithm = TRUE)$modulus)
}

# Maximise l* over the coefficients not in `fixed` (held at their values in `start`).
firth_maximise <- function(X, e, n, start, fixed = integer(0)) {
  b <- start
  free <- setdiff(seq_len(ncol(X)), fixed)
  current <- penalised_loglik(b, X, e, n)
  for (iteration in 1:1000) {
    p <- plogis(drop(X %*% b))
    w <- n * p * (1 - p)
    info <- crossprod(X, X * w)
    h <- w * rowSums((X %*% solve(info)) * X)
    score <- drop(crossprod(X, e - n * p + h * (0.5 - p)))
    step <- solve(info[free, free, drop = FALSE], score[free])
    halving <- 1
    repeat {
      trial <- b
      trial[free] <- b[free] + halving * step
      value <- penalised_loglik(trial, X, e, n)
      if (value >= current - 1e-12 || halving < 1e-10) break
      halving <- halving / 2
    }
    b <- trial
    current <- value
    if (max(abs(halving * step)) < 1e-12) break
  }
  list(b = b, loglik = current, iterations = iteration)
}

# 95% profile interval and penalised LRT p-value of each coefficient.
firth_profile <- function(X, e, n, b_hat) {
  top <- penalised_loglik(b_hat, X, e, n)
  p <- plogis(drop(X %*% b_hat))
  se <- sqrt(diag(solve(crossprod(X, X * (n * p * (1 - p))))))
  cut <- qchisq(0.95, 1)
  out <- data.frame(ci_low = NA_real_, ci_high = NA_real_, p_value = NA_real_)[rep(1, ncol(X)), ]
  for (j in seq_len(ncol(X))) {
    profile <- function(value) {
      start <- b_hat
      start[j] <- value
      2 * (top - firth_maximise(X, e, n, start, fixed = j)$loglik)
    }
    bound <- function(direction) {
      width <- se[j]
      while (profile(b_hat[j] + direction * width) < cut) width <- 2 * width
      ends <- sort(b_hat[j] + direction * c(0, width))
      uniroot(function(v) profile(v) - cut, ends, tol = 1e-13)$root
    }
    out$ci_low[j] <- bound(-1)
    out$ci_high[j] <- bound(1)
    out$p_value[j] <- pchisq(profile(0), 1, lower.tail = FALSE)
  }
  out
}
