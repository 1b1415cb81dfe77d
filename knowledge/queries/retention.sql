-- Retention: churn (logo and revenue), cohorts, NRR, cancellation reasons, trial conversion.
-- Churn is end_reason = 'cancelled' only; upgrades, downgrades and trial conversions are not churn.

-- <query monthly_churn_rate>
-- <description>Monthly logo churn and revenue (MRR) churn: cancellations in each month divided by paying customers and MRR at the start of the month. Shows the January churn spike.</description>
-- <query>
WITH months AS (
    SELECT m::date AS month
    FROM generate_series(date '2024-02-01', date '2025-12-01', interval '1 month') AS m
), opening AS (
    SELECT mo.month, count(DISTINCT s.customer_id) AS paying_customers, sum(s.mrr) AS opening_mrr
    FROM months mo
    JOIN subscriptions s
      ON NOT s.is_trial AND s.started_at < mo.month AND (s.ended_at IS NULL OR s.ended_at >= mo.month)
    GROUP BY mo.month
), cancelled AS (
    SELECT date_trunc('month', ended_at)::date AS month, count(*) AS churned_customers, sum(mrr) AS churned_mrr
    FROM subscriptions
    WHERE end_reason = 'cancelled'
    GROUP BY 1
)
SELECT o.month,
       o.paying_customers,
       coalesce(c.churned_customers, 0) AS churned_customers,
       round(100.0 * coalesce(c.churned_customers, 0) / o.paying_customers, 2) AS logo_churn_pct,
       round(100 * coalesce(c.churned_mrr, 0) / o.opening_mrr, 2) AS revenue_churn_pct
FROM opening o
LEFT JOIN cancelled c USING (month)
ORDER BY o.month;
-- </query>

-- <query churn_by_plan_and_month>
-- <description>Cancellations and logo churn rate by plan and month: paying customers on each plan at the start of the month and how many of them cancelled during it.</description>
-- <query>
WITH months AS (
    SELECT m::date AS month
    FROM generate_series(date '2024-02-01', date '2025-12-01', interval '1 month') AS m
), opening AS (
    SELECT mo.month, s.plan, s.subscription_id, s.end_reason, s.ended_at
    FROM months mo
    JOIN subscriptions s
      ON NOT s.is_trial AND s.started_at < mo.month AND (s.ended_at IS NULL OR s.ended_at >= mo.month)
)
SELECT month,
       plan,
       count(*) AS paying_at_start,
       count(*) FILTER (WHERE end_reason = 'cancelled' AND ended_at < (month + interval '1 month')) AS cancelled,
       round(100.0 * count(*) FILTER (WHERE end_reason = 'cancelled' AND ended_at < (month + interval '1 month'))
             / count(*), 2) AS churn_pct
FROM opening
GROUP BY month, plan
ORDER BY month, array_position(ARRAY['starter', 'growth', 'business', 'enterprise'], plan);
-- </query>

-- <query churn_by_plan>
-- <description>Churn by plan over the whole history: paying subscriptions per plan, how many were cancelled, and the MRR lost.</description>
-- <query>
SELECT plan,
       count(DISTINCT customer_id) AS customers_ever_on_plan,
       count(*) FILTER (WHERE end_reason = 'cancelled') AS cancellations,
       coalesce(sum(mrr) FILTER (WHERE end_reason = 'cancelled'), 0) AS churned_mrr,
       round(100.0 * count(*) FILTER (WHERE end_reason = 'cancelled') / count(DISTINCT customer_id), 1)
           AS cancelled_pct_of_customers
FROM subscriptions
WHERE NOT is_trial
GROUP BY plan
ORDER BY array_position(ARRAY['starter', 'growth', 'business', 'enterprise'], plan);
-- </query>

-- <query cancellation_reasons>
-- <description>Why customers cancel: cancellations and lost MRR per cancellation reason, with the share of all cancellations.</description>
-- <query>
SELECT cancellation_reason,
       count(*) AS cancellations,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct_of_cancellations,
       sum(mrr) AS lost_mrr
FROM subscriptions
WHERE end_reason = 'cancelled'
GROUP BY cancellation_reason
ORDER BY cancellations DESC;
-- </query>

-- <query cohort_retention>
-- <description>Cohort retention: customers grouped by the month they started paying, and the share still paying 3, 6 and 12 months later (NULL where that point is after the end of the data).</description>
-- <query>
WITH first_paid AS (
    SELECT customer_id, date_trunc('month', min(started_at))::date AS cohort
    FROM subscriptions
    WHERE NOT is_trial
    GROUP BY customer_id
), checkpoints AS (
    SELECT f.cohort, f.customer_id, k.months, (f.cohort + make_interval(months => k.months))::date AS check_day
    FROM first_paid f
    CROSS JOIN (VALUES (3), (6), (12)) AS k(months)
), status AS (
    SELECT cp.*, EXISTS (
        SELECT 1 FROM subscriptions s
        WHERE s.customer_id = cp.customer_id AND NOT s.is_trial
          AND s.started_at <= cp.check_day AND (s.ended_at IS NULL OR s.ended_at > cp.check_day)
    ) AS retained
    FROM checkpoints cp
)
SELECT cohort,
       count(DISTINCT customer_id) AS cohort_customers,
       round(100 * avg(retained::int) FILTER (WHERE months = 3 AND check_day <= date '2025-12-31'), 1) AS retained_3m_pct,
       round(100 * avg(retained::int) FILTER (WHERE months = 6 AND check_day <= date '2025-12-31'), 1) AS retained_6m_pct,
       round(100 * avg(retained::int) FILTER (WHERE months = 12 AND check_day <= date '2025-12-31'), 1) AS retained_12m_pct
FROM status
GROUP BY cohort
ORDER BY cohort;
-- </query>

-- <query net_revenue_retention>
-- <description>NRR for 2025: MRR on 2025-12-31 from the customers who were paying on 2024-12-31, divided by their MRR then (includes expansion, contraction and churn; excludes new customers), plus logo retention.</description>
-- <query>
WITH base AS (
    SELECT customer_id, sum(mrr) AS mrr
    FROM subscriptions
    WHERE NOT is_trial AND started_at <= date '2024-12-31' AND (ended_at IS NULL OR ended_at > date '2024-12-31')
    GROUP BY customer_id
), latest AS (
    SELECT customer_id, sum(mrr) AS mrr
    FROM subscriptions
    WHERE NOT is_trial AND ended_at IS NULL
    GROUP BY customer_id
)
SELECT count(*) AS base_customers,
       sum(b.mrr) AS base_mrr,
       coalesce(sum(l.mrr), 0) AS retained_mrr,
       round(100 * coalesce(sum(l.mrr), 0) / sum(b.mrr), 1) AS nrr_pct,
       round(100.0 * count(l.customer_id) / count(*), 1) AS logo_retention_pct
FROM base b
LEFT JOIN latest l USING (customer_id);
-- </query>

-- <query trial_conversion_by_month>
-- <description>Trial conversion rate by sign-up month: trials that converted to paid vs expired (trials still running at the end of the data are shown apart).</description>
-- <query>
SELECT date_trunc('month', started_at)::date AS signup_month,
       count(*) AS trials,
       count(*) FILTER (WHERE end_reason = 'trial_converted') AS converted,
       count(*) FILTER (WHERE end_reason = 'trial_expired') AS expired,
       count(*) FILTER (WHERE ended_at IS NULL) AS still_in_trial,
       round(100.0 * count(*) FILTER (WHERE end_reason = 'trial_converted')
             / nullif(count(*) FILTER (WHERE ended_at IS NOT NULL), 0), 1) AS conversion_pct
FROM subscriptions
WHERE is_trial
GROUP BY 1
ORDER BY 1;
-- </query>

-- <query churn_by_usage_level>
-- <description>Low usage raises churn: paying customers split into quartiles by seat utilisation (average active_users / seats over sampled days), with the share of each quartile that cancelled.</description>
-- <query>
WITH utilisation AS (
    SELECT u.customer_id, avg(u.active_users::numeric / s.seats) AS utilisation
    FROM usage_metrics u
    JOIN subscriptions s
      ON s.customer_id = u.customer_id AND NOT s.is_trial
     AND u.metric_date >= s.started_at AND (s.ended_at IS NULL OR u.metric_date < s.ended_at)
    GROUP BY u.customer_id
), churn AS (
    SELECT customer_id, bool_or(end_reason = 'cancelled') AS churned
    FROM subscriptions
    GROUP BY customer_id
)
SELECT quartile,
       count(*) AS customers,
       round(min(utilisation), 2) AS min_utilisation,
       round(max(utilisation), 2) AS max_utilisation,
       round(100 * avg(churned::int), 1) AS churned_pct
FROM (SELECT customer_id, utilisation, ntile(4) OVER (ORDER BY utilisation) AS quartile FROM utilisation) q
JOIN churn USING (customer_id)
GROUP BY quartile
ORDER BY quartile;
-- </query>
