/*
 * stats.c -- small statistics on plain arrays.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int
bucket_cmp(const void *a, const void *b)
{
	const struct stats_bucket *x = a, *y = b;

	if (x->le < y->le)
		return -1;
	return x->le > y->le;
}

void
stats_buckets_sort(struct stats_bucket *b, size_t n)
{
	qsort(b, n, sizeof *b, bucket_cmp);
}

double
stats_histogram_quantile(double q, const struct stats_bucket *b, size_t n)
{
	double total, rank, lo, lo_count;
	size_t i;

	if (n < 2 || !isinf(b[n - 1].le) || b[n - 1].le < 0 || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	total = b[n - 1].count;
	if (!(total > 0))
		return NAN;
	rank = q * total;
	for (i = 0; i < n - 1; i++) {
		/* counts are cumulative; a bucket below its predecessor
		 * (scrape racing an observation) is treated as equal */
		if (b[i].count >= rank)
			break;
	}
	if (i == n - 1)
		return b[n - 2].le;
	if (i == 0) {
		if (b[0].le <= 0)
			return b[0].le;
		lo = 0;
		lo_count = 0;
	} else {
		lo = b[i - 1].le;
		lo_count = b[i - 1].count;
	}
	if (b[i].count - lo_count <= 0)
		return b[i].le;
	return lo + (b[i].le - lo) * (rank - lo_count) /
	    (b[i].count - lo_count);
}

/* EWMA ------------------------------------------------------------------ */

double
stats_alpha_halflife(double halflife)
{
	if (!(halflife > 0))
		return 1;
	return 1 - exp2(-1 / halflife);
}

void
stats_ewma_init(struct stats_ewma *e, double alpha)
{
	if (!(alpha > 0 && alpha <= 1))
		alpha = 1;
	e->alpha = alpha;
	e->halflife_ms = 0;
	e->value = NAN;
	e->last_ms = 0;
	e->n = 0;
}

void
stats_ewma_init_time(struct stats_ewma *e, double halflife_s)
{
	stats_ewma_init(e, 1);
	if (halflife_s > 0 && isfinite(halflife_s))
		e->halflife_ms = halflife_s * 1000;
}

double
stats_ewma_update(struct stats_ewma *e, int64_t ts_ms, double v)
{
	double a;

	if (!isfinite(v))
		return e->value;
	if (e->n == 0) {
		e->value = v;
		e->last_ms = ts_ms;
		e->n = 1;
		return v;
	}
	if (e->halflife_ms > 0) {
		if (ts_ms <= e->last_ms)
			return e->value;
		a = 1 - exp2(-(double)(ts_ms - e->last_ms) / e->halflife_ms);
		e->last_ms = ts_ms;
	} else
		a = e->alpha;
	e->value += a * (v - e->value);
	e->n++;
	return e->value;
}

double
stats_rate(int64_t t0_ms, double v0, int64_t t1_ms, double v1)
{
	if (t1_ms <= t0_ms || !isfinite(v0) || !isfinite(v1))
		return NAN;
	return (v1 - v0) * 1000 / (double)(t1_ms - t0_ms);
}

double
stats_counter_rate(int64_t t0_ms, double v0, int64_t t1_ms, double v1)
{
	if (t1_ms <= t0_ms || !isfinite(v0) || !isfinite(v1) || v0 < 0 ||
	    v1 < 0)
		return NAN;
	if (v1 < v0)
		return v1 * 1000 / (double)(t1_ms - t0_ms);
	return (v1 - v0) * 1000 / (double)(t1_ms - t0_ms);
}

/* Least squares ------------------------------------------------------------ */

int
stats_linreg(const double *t, const double *v, size_t n,
    struct stats_linreg *out)
{
	double st = 0, sv = 0, sxx = 0, sxy = 0, syy = 0, dt, dv, ssr;
	size_t i, m = 0;

	out->n = 0;
	out->slope = out->intercept = out->slope_se = out->r2 = NAN;
	out->resid_sd = out->t_first = out->t_mean = out->v_mean = NAN;
	out->sxx = NAN;
	for (i = 0; i < n; i++) {
		if (!isfinite(t[i]) || !isfinite(v[i]))
			continue;
		if (m == 0)
			out->t_first = t[i];
		st += t[i] - out->t_first;
		sv += v[i];
		m++;
	}
	out->n = m;
	if (m < 2)
		return -1;
	/* the means first, then sums of products about them: no
	 * cancellation between large sums */
	st /= m;
	sv /= m;
	for (i = 0; i < n; i++) {
		if (!isfinite(t[i]) || !isfinite(v[i]))
			continue;
		dt = t[i] - out->t_first - st;
		dv = v[i] - sv;
		sxx += dt * dt;
		sxy += dt * dv;
		syy += dv * dv;
	}
	out->t_mean = out->t_first + st;
	out->v_mean = sv;
	out->sxx = sxx;
	if (!(sxx > 0))
		return -1;
	out->slope = sxy / sxx;
	out->intercept = sv - out->slope * st;
	ssr = syy - out->slope * sxy;
	if (ssr < 0)
		ssr = 0;
	if (syy > 0)
		out->r2 = 1 - ssr / syy;
	if (m >= 3) {
		out->resid_sd = sqrt(ssr / (double)(m - 2));
		out->slope_se = out->resid_sd / sqrt(sxx);
	}
	return 0;
}

void
stats_linreg_slope_ci95(const struct stats_linreg *r, double *lo,
    double *hi)
{
	double w;

	if (r->n < 3 || !isfinite(r->slope_se)) {
		*lo = *hi = NAN;
		return;
	}
	w = stats_t975((int)(r->n > 1000000 ? 1000000 : r->n - 2)) *
	    r->slope_se;
	*lo = r->slope - w;
	*hi = r->slope + w;
}

void
stats_linsum_init(struct stats_linsum *s, double t_ref, double v_ref)
{
	s->n = 0;
	s->t_ref = isfinite(t_ref) ? t_ref : 0;
	s->v_ref = isfinite(v_ref) ? v_ref : 0;
	s->st = s->sv = s->stt = s->stv = s->svv = 0;
}

void
stats_linsum_add(struct stats_linsum *s, double t, double v)
{
	if (!isfinite(t) || !isfinite(v))
		return;
	t -= s->t_ref;
	v -= s->v_ref;
	s->n++;
	s->st += t;
	s->sv += v;
	s->stt += t * t;
	s->stv += t * v;
	s->svv += v * v;
}

void
stats_linsum_remove(struct stats_linsum *s, double t, double v)
{
	if (!isfinite(t) || !isfinite(v) || s->n < 1)
		return;
	if (s->n == 1) {
		stats_linsum_init(s, s->t_ref, s->v_ref);
		return;
	}
	t -= s->t_ref;
	v -= s->v_ref;
	s->n--;
	s->st -= t;
	s->sv -= v;
	s->stt -= t * t;
	s->stv -= t * v;
	s->svv -= v * v;
}

int
stats_linsum_fit(const struct stats_linsum *s, double t_first,
    struct stats_linreg *out)
{
	double n = s->n, mt, mv, sxx, sxy, syy, ssr;

	out->n = (size_t)n;
	out->slope = out->intercept = out->slope_se = out->r2 = NAN;
	out->resid_sd = out->t_mean = out->v_mean = out->sxx = NAN;
	out->t_first = t_first;
	if (n < 2)
		return -1;
	mt = s->st / n;
	mv = s->sv / n;
	sxx = s->stt - s->st * mt;
	sxy = s->stv - s->st * mv;
	syy = s->svv - s->sv * mv;
	out->t_mean = s->t_ref + mt;
	out->v_mean = s->v_ref + mv;
	out->sxx = sxx;
	/* rounding can leave a tiny spread where there is none */
	if (!(sxx > 1e-12 * (s->stt + 1e-300)))
		return -1;
	out->slope = sxy / sxx;
	out->intercept = out->v_mean - out->slope * (out->t_mean - t_first);
	if (syy < 0)
		syy = 0;
	ssr = syy - out->slope * sxy;
	if (ssr < 0)
		ssr = 0;
	if (syy > 1e-15 * (s->svv + 1e-300))
		out->r2 = 1 - ssr / syy;
	if (n >= 3) {
		out->resid_sd = sqrt(ssr / (n - 2));
		out->slope_se = out->resid_sd / sqrt(sxx);
	}
	return 0;
}

/* Quantiles of the normal and t distributions -------------------------- */

double
stats_normal_quantile(double p)
{
	/* Acklam's rational approximation (relative error 1.2e-9), then
	 * one Halley step on erfc for full precision. */
	static const double a[] = { -3.969683028665376e+01,
	    2.209460984245205e+02, -2.759285104469687e+02,
	    1.383577518672690e+02, -3.066479806614716e+01,
	    2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01,
	    1.615858368580409e+02, -1.556989798598866e+02,
	    6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03,
	    -3.223964580411365e-01, -2.400758277161838e+00,
	    -2.549732539343734e+00, 4.374664141464968e+00,
	    2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03,
	    3.224671290700398e-01, 2.445134137142996e+00,
	    3.754408661907416e+00 };
	double q, r, x, e, u;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) *
		    q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) *
		    q + 1);
	} else if (p <= 1 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) *
		    r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r +
		    b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q +
		    c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) *
		    q + d[3]) * q + 1);
	}
	e = 0.5 * erfc(-x / M_SQRT2) - p;
	u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double
betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d, h, aa, del;
	int m, m2;

	d = 1 - (a + b) * x / (a + 1);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 300; m++) {
		m2 = 2 * m;
		aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* Regularised incomplete beta function I_x(a, b). */
static double
betai(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	    b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

/* P(T > t) for t >= 0, T ~ Student t with df degrees of freedom. */
static double
t_upper(double t, double df)
{
	return 0.5 * betai(df / 2, 0.5, df / (df + t * t));
}

double
stats_t_quantile(double p, double df)
{
	double tail, lo, hi, x, f, dens, lc, next;
	int i, sign = 1;

	if (isnan(p) || isnan(df) || !(df > 0) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	if (isinf(df))
		return stats_normal_quantile(p);
	if (p < 0.5) {
		sign = -1;
		p = 1 - p;
	}
	tail = 1 - p;
	/* bracket the root of t_upper(x) = tail, then Newton steps kept
	 * inside the bracket (bisection when a step leaves it) */
	lo = 0;
	hi = 2;
	for (i = 0; i < 2000 && t_upper(hi, df) > tail; i++) {
		lo = hi;
		hi *= 2;
	}
	lc = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI);
	x = stats_normal_quantile(p);
	if (!(x > lo && x < hi))
		x = (lo + hi) / 2;
	for (i = 0; i < 200; i++) {
		f = t_upper(x, df) - tail;
		if (f > 0)
			lo = x;
		else
			hi = x;
		dens = exp(lc - (df + 1) / 2 * log1p(x * x / df));
		next = dens > 0 ? x + f / dens : NAN;
		if (!(next > lo && next < hi))
			next = (lo + hi) / 2;
		if (fabs(next - x) <= 1e-13 * fabs(x))
			return sign * next;
		x = next;
	}
	return sign * x;
}

double
stats_t975(int df)
{
	/* t(0.975, df) for df = 1..30 */
	static const double tab[] = {
		12.706204736174698, 4.302652729749464, 3.182446305284263,
		2.7764451051977934, 2.570581835636314, 2.4469118511449692,
		2.3646242515927844, 2.306004135204166, 2.2621571628540993,
		2.2281388519649385, 2.200985160082949, 2.1788128296634177,
		2.1603686564610127, 2.1447866879169273, 2.131449545559323,
		2.1199052992210112, 2.1098155778331806, 2.10092204024096,
		2.093024054408263, 2.0859634472658364, 2.0796138447276626,
		2.0738730679040147, 2.0686576104190406, 2.0638985616280205,
		2.059538552753294, 2.055529438642871, 2.0518305164802833,
		2.048407141795244, 2.045229642132703, 2.0422724563012373,
	};
	const double z = 1.959963984540054;
	double z2 = z * z, nu, g1, g2, g3, g4;

	if (df < 1)
		return NAN;
	if (df <= 30)
		return tab[df - 1];
	/* Cornish-Fisher expansion about the normal quantile (Abramowitz
	 * and Stegun 26.7.5) */
	nu = df;
	g1 = (z2 + 1) * z / 4;
	g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
	g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
	g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z /
	    92160;
	return z + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu;
}

/* Median, MAD, robust z -------------------------------------------------- */

static void
swapd(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/* The k-th smallest (0-based) of x[0..n), reordering x (Hoare's select
 * with a middle pivot; terminates whatever the comparisons say). */
static double
select_kth(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, i, j;
	double pivot;

	while (lo < hi) {
		swapd(&x[(lo + hi) / 2], &x[hi]);
		pivot = x[hi];
		for (i = j = lo; j < hi; j++) {
			if (x[j] < pivot)
				swapd(&x[i++], &x[j]);
		}
		swapd(&x[i], &x[hi]);
		if (k == i)
			return x[i];
		if (k < i)
			hi = i - 1;
		else
			lo = i + 1;
	}
	return x[k];
}

/* Median of x[0..n), n > 0, reordering x. */
static double
median_inplace(double *x, size_t n)
{
	double hi, lo;
	size_t i;

	hi = select_kth(x, n, n / 2);
	if (n % 2)
		return hi;
	/* after the select, x[0..n/2) holds the smaller half */
	lo = x[0];
	for (i = 1; i < n / 2; i++)
		if (x[i] > lo)
			lo = x[i];
	return lo + (hi - lo) / 2;
}

double
stats_median(const double *x, size_t n, double *scratch)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (!isnan(x[i]))
			scratch[m++] = x[i];
	if (m == 0)
		return NAN;
	return median_inplace(scratch, m);
}

double
stats_mad(const double *x, size_t n, double median, double *scratch)
{
	size_t i, m = 0;

	if (isnan(median))
		return NAN;
	for (i = 0; i < n; i++)
		if (!isnan(x[i]))
			scratch[m++] = fabs(x[i] - median);
	if (m == 0)
		return NAN;
	return median_inplace(scratch, m);
}

double
stats_sorted_median(const double *s, size_t n)
{
	if (n == 0)
		return NAN;
	if (n % 2)
		return s[n / 2];
	return s[n / 2 - 1] + (s[n / 2] - s[n / 2 - 1]) / 2;
}

/* Deviations from the median on its left (j-th nearest first) and on its
 * right, both ascending; +Inf past the end, -Inf before the start. */
static double
dev_left(const double *s, size_t r, double median, ptrdiff_t j)
{
	if (j < 0)
		return -INFINITY;
	if ((size_t)j >= r)
		return INFINITY;
	return median - s[r - 1 - j];
}

static double
dev_right(const double *s, size_t n, size_t r, double median, ptrdiff_t j)
{
	if (j < 0)
		return -INFINITY;
	if ((size_t)j >= n - r)
		return INFINITY;
	return s[r + j] - median;
}

double
stats_sorted_mad(const double *s, size_t n, double median)
{
	size_t r, lo, hi, mid, k, nl, nr;
	ptrdiff_t i, j, ilo, ihi;
	double kth, before;

	if (n == 0 || isnan(median))
		return NAN;
	/* r: the first value >= median.  The deviations left of it grow
	 * going down, those from it grow going up: two sorted runs, and
	 * the MAD is the median of their union.  Find how many of the k
	 * smallest come from the left by bisection (the k-th smallest of
	 * two sorted arrays), in O(log n). */
	lo = 0;
	hi = n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s[mid] < median)
			lo = mid + 1;
		else
			hi = mid;
	}
	r = lo;
	nl = r;
	nr = n - r;
	k = n / 2;		/* the deviations below index k */
	ilo = k > nr ? (ptrdiff_t)(k - nr) : 0;
	ihi = k < nl ? (ptrdiff_t)k : (ptrdiff_t)nl;
	i = ilo;
	while (ilo <= ihi) {
		i = ilo + (ihi - ilo) / 2;
		j = (ptrdiff_t)k - i;
		if (dev_right(s, n, r, median, j - 1) >
		    dev_left(s, r, median, i))
			ilo = i + 1;	/* take more from the left */
		else if (dev_left(s, r, median, i - 1) >
		    dev_right(s, n, r, median, j))
			ihi = i - 1;	/* take fewer from the left */
		else
			break;
	}
	j = (ptrdiff_t)k - i;
	kth = fmin(dev_left(s, r, median, i), dev_right(s, n, r, median, j));
	if (n % 2)
		return kth;
	before = fmax(dev_left(s, r, median, i - 1),
	    dev_right(s, n, r, median, j - 1));
	return before + (kth - before) / 2;
}

double
stats_robust_z(double x, double median, double mad, double floor)
{
	double scale = STATS_MAD_EPSILON;

	if (isnan(x) || isnan(median))
		return NAN;
	if (x == median)
		return 0;
	if (mad > scale)
		scale = mad;
	if (floor > scale)
		scale = floor;
	return 0.6745 * (x - median) / scale;
}

/* Holt's linear method ------------------------------------------------- */

void
stats_holt_init(struct stats_holt *h, double alpha, double beta)
{
	h->alpha = alpha > 0 && alpha <= 1 ? alpha : 0.5;
	h->beta = beta > 0 && beta <= 1 ? beta : 0.1;
	h->level = h->trend = NAN;
	h->mse = NAN;
	h->mse_weight = 0.02;
	h->n = h->nerr = 0;
}

double
stats_holt_update(struct stats_holt *h, double v)
{
	double err, prev, w;

	if (!isfinite(v))
		return NAN;
	if (h->n == 0) {
		h->level = v;
		h->trend = 0;
		h->n = 1;
		return NAN;
	}
	if (h->n == 1) {
		h->trend = v - h->level;
		h->level = v;
		h->n = 2;
		return NAN;
	}
	err = v - (h->level + h->trend);
	prev = h->level;
	/* error-correction form of level = a v + (1 - a)(level + trend),
	 * trend = b (level' - level) + (1 - b) trend */
	h->level = prev + h->trend + h->alpha * err;
	h->trend += h->beta * (h->level - prev - h->trend);
	h->n++;
	h->nerr++;
	w = 1 / (double)h->nerr;
	if (w < h->mse_weight)
		w = h->mse_weight;
	if (h->nerr == 1)
		h->mse = err * err;
	else
		h->mse += w * (err * err - h->mse);
	return err;
}

double
stats_holt_forecast(const struct stats_holt *h, double steps)
{
	if (h->n == 0)
		return NAN;
	return h->level + steps * h->trend;
}

double
stats_holt_sigma(const struct stats_holt *h, double steps)
{
	double m, a = h->alpha, b = h->beta, sum;

	if (h->nerr == 0 || isnan(steps))
		return NAN;
	m = steps - 1;
	if (m < 0)
		m = 0;
	/* sum_{j=1}^{m} (a (1 + j b))^2
	 *   = a^2 (m + b m (m + 1) + b^2 m (m + 1)(2m + 1) / 6) */
	sum = a * a * (m + b * m * (m + 1) + b * b * m * (m + 1) *
	    (2 * m + 1) / 6);
	return sqrt(h->mse * (1 + sum));
}

double
stats_holt_interval95(const struct stats_holt *h, double steps, double *lo,
    double *hi)
{
	double f = stats_holt_forecast(h, steps);
	double s = stats_holt_sigma(h, steps);

	if (lo != NULL)
		*lo = f - 1.959963984540054 * s;
	if (hi != NULL)
		*hi = f + 1.959963984540054 * s;
	return f;
}
