-- Product usage and customer health. usage_metrics is sampled 3-5 days per customer-month:
-- average it, never sum it. total_dashboards is cumulative: take the latest value.

-- <query usage_health_by_plan>
-- <description>Usage health by plan for paying customers in the last three months of data (Oct-Dec 2025): average daily active users, seat utilisation (active_users / seats) and queries per sampled day.</description>
-- <query>
SELECT s.plan,
       count(DISTINCT u.customer_id) AS customers,
       round(avg(u.active_users), 1) AS avg_daily_active_users,
       round(avg(u.active_users::numeric / s.seats), 2) AS avg_seat_utilisation,
       round(avg(u.queries_run), 0) AS avg_queries_per_day
FROM usage_metrics u
JOIN subscriptions s
  ON s.customer_id = u.customer_id AND NOT s.is_trial
 AND u.metric_date >= s.started_at AND (s.ended_at IS NULL OR u.metric_date < s.ended_at)
WHERE u.metric_date >= date '2025-10-01'
GROUP BY s.plan
ORDER BY array_position(ARRAY['starter', 'growth', 'business', 'enterprise'], s.plan);
-- </query>

-- <query monthly_usage_trend>
-- <description>Monthly product usage trend: customers with usage, average daily active users per customer and average queries per customer per sampled day (averages, because usage is sampled).</description>
-- <query>
SELECT date_trunc('month', metric_date)::date AS month,
       count(DISTINCT customer_id) AS customers_with_usage,
       round(avg(active_users), 1) AS avg_daily_active_users,
       round(avg(queries_run), 0) AS avg_daily_queries,
       round(avg(api_calls), 0) AS avg_daily_api_calls
FROM usage_metrics
GROUP BY 1
ORDER BY 1;
-- </query>

-- <query at_risk_customers>
-- <description>At-risk paying customers: low seat utilisation or a usage drop in Nov-Dec 2025 versus the six months before, or recent failed payments; ordered by MRR at stake.</description>
-- <query>
WITH paying AS (
    SELECT customer_id, plan, seats, mrr
    FROM subscriptions
    WHERE ended_at IS NULL AND NOT is_trial
), recent AS (
    SELECT customer_id, avg(active_users) AS recent_users
    FROM usage_metrics
    WHERE metric_date >= date '2025-11-01'
    GROUP BY customer_id
), earlier AS (
    SELECT customer_id, avg(active_users) AS earlier_users
    FROM usage_metrics
    WHERE metric_date >= date '2025-05-01' AND metric_date < date '2025-11-01'
    GROUP BY customer_id
), failed AS (
    SELECT customer_id, count(*) AS failed_invoices
    FROM invoices
    WHERE status = 'failed' AND invoice_date >= date '2025-10-01'
    GROUP BY customer_id
)
SELECT c.company_name,
       p.plan,
       p.mrr,
       round(r.recent_users / p.seats, 2) AS seat_utilisation,
       round(100 * (r.recent_users / e.earlier_users - 1), 0) AS usage_change_pct,
       coalesce(f.failed_invoices, 0) AS recent_failed_invoices
FROM paying p
JOIN customers c USING (customer_id)
JOIN recent r USING (customer_id)
LEFT JOIN earlier e USING (customer_id)
LEFT JOIN failed f USING (customer_id)
WHERE r.recent_users / p.seats < 0.3
   OR r.recent_users < 0.7 * e.earlier_users
   OR f.failed_invoices > 0
ORDER BY p.mrr DESC
LIMIT 50;
-- </query>

-- <query dashboards_per_customer>
-- <description>Dashboards created per customer: the latest value of the cumulative total_dashboards column per customer (never a sum), summarised by plan for paying customers.</description>
-- <query>
WITH latest AS (
    SELECT DISTINCT ON (customer_id) customer_id, total_dashboards
    FROM usage_metrics
    ORDER BY customer_id, metric_date DESC
)
SELECT s.plan,
       count(*) AS paying_customers,
       round(avg(l.total_dashboards), 1) AS avg_dashboards,
       max(l.total_dashboards) AS max_dashboards
FROM latest l
JOIN subscriptions s ON s.customer_id = l.customer_id AND s.ended_at IS NULL AND NOT s.is_trial
GROUP BY s.plan
ORDER BY array_position(ARRAY['starter', 'growth', 'business', 'enterprise'], s.plan);
-- </query>
