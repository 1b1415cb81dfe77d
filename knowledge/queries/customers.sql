-- Customers: sign-ups, status and segments. customers has no status column: status comes from
-- subscriptions (active = ended_at IS NULL; trials are not paying; churn = end_reason 'cancelled').

-- <query customer_status_summary>
-- <description>How many customers are paying, in trial, churned (cancelled) or never converted (trial expired), as of 2025-12-31.</description>
-- <query>
WITH latest AS (
    SELECT DISTINCT ON (customer_id) customer_id, is_trial, ended_at, end_reason
    FROM subscriptions
    ORDER BY customer_id, started_at DESC
)
SELECT CASE
           WHEN ended_at IS NULL AND NOT is_trial THEN 'paying'
           WHEN ended_at IS NULL AND is_trial THEN 'in trial'
           WHEN end_reason = 'cancelled' THEN 'churned'
           WHEN end_reason = 'trial_expired' THEN 'trial expired'
       END AS status,
       count(*) AS customers
FROM latest
GROUP BY 1
ORDER BY customers DESC;
-- </query>

-- <query signups_by_month_and_channel>
-- <description>New sign-ups per month by acquisition channel, with how many of them converted to paid.</description>
-- <query>
SELECT date_trunc('month', c.signup_date)::date AS month,
       c.acquisition_channel,
       count(*) AS signups,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM subscriptions s WHERE s.customer_id = c.customer_id AND NOT s.is_trial
       )) AS converted_to_paid
FROM customers c
GROUP BY 1, 2
ORDER BY 1, 2;
-- </query>

-- <query mrr_by_segment>
-- <description>Current MRR and paying customers by company size and industry (active, non-trial subscriptions).</description>
-- <query>
SELECT c.company_size,
       c.industry,
       count(DISTINCT s.customer_id) AS paying_customers,
       sum(s.mrr) AS mrr
FROM subscriptions s
JOIN customers c USING (customer_id)
WHERE s.ended_at IS NULL AND NOT s.is_trial
GROUP BY c.company_size, c.industry
ORDER BY mrr DESC;
-- </query>

-- <query top_customers_by_mrr>
-- <description>The largest paying customers: company, plan, billing cycle, seats and current MRR, top 20.</description>
-- <query>
SELECT c.company_name, c.country, s.plan, s.billing_cycle, s.seats, s.mrr, s.started_at AS plan_since
FROM subscriptions s
JOIN customers c USING (customer_id)
WHERE s.ended_at IS NULL AND NOT s.is_trial
ORDER BY s.mrr DESC
LIMIT 20;
-- </query>
