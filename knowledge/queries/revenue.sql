-- Revenue: MRR, ARR, ARPA, plan mix, channels, billing cycles, expansion.
-- Active subscription rows have ended_at IS NULL; trials (is_trial) are never revenue.

-- <query current_mrr>
-- <description>Current total MRR and ARR (as of 2025-12-31, the last day of data) from active, paying subscriptions: excludes trials and closed rows.</description>
-- <query>
SELECT sum(mrr) AS mrr,
       12 * sum(mrr) AS arr,
       count(DISTINCT customer_id) AS paying_customers
FROM subscriptions
WHERE ended_at IS NULL
  AND NOT is_trial;
-- </query>

-- <query mrr_by_plan>
-- <description>Current MRR, paying customers and share of MRR by plan (active, non-trial subscriptions).</description>
-- <query>
SELECT plan,
       count(DISTINCT customer_id) AS paying_customers,
       sum(mrr) AS mrr,
       round(100 * sum(mrr) / sum(sum(mrr)) OVER (), 1) AS pct_of_mrr
FROM subscriptions
WHERE ended_at IS NULL
  AND NOT is_trial
GROUP BY plan
ORDER BY array_position(ARRAY['starter', 'growth', 'business', 'enterprise'], plan);
-- </query>

-- <query monthly_mrr_trend>
-- <description>MRR and paying customers at the end of every month, Jan 2024 to Dec 2025, counting the non-trial subscription rows active on each month's last day.</description>
-- <query>
WITH month_ends AS (
    SELECT (m + interval '1 month' - interval '1 day')::date AS month_end
    FROM generate_series(date '2024-01-01', date '2025-12-01', interval '1 month') AS m
)
SELECT me.month_end,
       coalesce(sum(s.mrr), 0) AS mrr,
       count(DISTINCT s.customer_id) AS paying_customers
FROM month_ends me
LEFT JOIN subscriptions s
       ON NOT s.is_trial
      AND s.started_at <= me.month_end
      AND (s.ended_at IS NULL OR s.ended_at > me.month_end)
GROUP BY me.month_end
ORDER BY me.month_end;
-- </query>

-- <query arpa>
-- <description>ARPA (average revenue per account): current MRR divided by paying customers, overall and by plan.</description>
-- <query>
SELECT coalesce(plan, 'all plans') AS plan,
       count(DISTINCT customer_id) AS paying_customers,
       round(sum(mrr) / count(DISTINCT customer_id), 2) AS arpa
FROM subscriptions
WHERE ended_at IS NULL
  AND NOT is_trial
GROUP BY ROLLUP (plan)
ORDER BY plan NULLS FIRST;
-- </query>

-- <query mrr_by_acquisition_channel>
-- <description>Revenue by source: current MRR, paying customers and ARPA per acquisition channel, plus revenue collected in 2025 from paid invoices.</description>
-- <query>
WITH current_mrr AS (
    SELECT customer_id, sum(mrr) AS mrr
    FROM subscriptions
    WHERE ended_at IS NULL AND NOT is_trial
    GROUP BY customer_id
), collected AS (
    SELECT customer_id, sum(amount) AS collected_2025
    FROM invoices
    WHERE status = 'paid' AND invoice_date BETWEEN date '2025-01-01' AND date '2025-12-31'
    GROUP BY customer_id
)
SELECT c.acquisition_channel,
       count(m.customer_id) AS paying_customers,
       coalesce(sum(m.mrr), 0) AS mrr,
       round(sum(m.mrr) / nullif(count(m.customer_id), 0), 2) AS arpa,
       coalesce(sum(col.collected_2025), 0) AS collected_2025
FROM customers c
LEFT JOIN current_mrr m USING (customer_id)
LEFT JOIN collected col USING (customer_id)
GROUP BY c.acquisition_channel
ORDER BY mrr DESC;
-- </query>

-- <query annual_vs_monthly_revenue>
-- <description>Annual vs monthly billing: current MRR and customers per billing cycle, and what was invoiced in 2025 (annual plans are invoiced once a year at mrr * 12 * 0.9).</description>
-- <query>
WITH current_mrr AS (
    SELECT billing_cycle, count(DISTINCT customer_id) AS paying_customers, sum(mrr) AS mrr
    FROM subscriptions
    WHERE ended_at IS NULL AND NOT is_trial
    GROUP BY billing_cycle
), invoiced AS (
    SELECT s.billing_cycle, count(*) AS invoices_2025, sum(i.amount) AS invoiced_2025
    FROM invoices i
    JOIN subscriptions s USING (subscription_id)
    WHERE i.invoice_date BETWEEN date '2025-01-01' AND date '2025-12-31'
    GROUP BY s.billing_cycle
)
SELECT billing_cycle, paying_customers, mrr, 12 * mrr AS arr, invoices_2025, invoiced_2025
FROM current_mrr
JOIN invoiced USING (billing_cycle)
ORDER BY billing_cycle;
-- </query>

-- <query expansion_contraction_by_month>
-- <description>Expansion MRR from upgrades and contraction MRR from downgrades per month (plan_changes), with the number of changes.</description>
-- <query>
SELECT date_trunc('month', change_date)::date AS month,
       count(*) FILTER (WHERE change_type = 'upgrade') AS upgrades,
       coalesce(sum(mrr_after - mrr_before) FILTER (WHERE change_type = 'upgrade'), 0) AS expansion_mrr,
       count(*) FILTER (WHERE change_type = 'downgrade') AS downgrades,
       coalesce(sum(mrr_after - mrr_before) FILTER (WHERE change_type = 'downgrade'), 0) AS contraction_mrr
FROM plan_changes
GROUP BY 1
ORDER BY 1;
-- </query>

-- <query trial_pipeline>
-- <description>Customers currently in their free trial and the MRR they would bring if they converted; not revenue, and excluded from MRR.</description>
-- <query>
SELECT plan,
       count(*) AS active_trials,
       sum(mrr) AS potential_mrr,
       min(started_at + 30) AS first_trial_end
FROM subscriptions
WHERE ended_at IS NULL
  AND is_trial
GROUP BY plan
ORDER BY potential_mrr DESC;
-- </query>
