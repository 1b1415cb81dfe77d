-- Billing: invoices, collected cash, failed payments and annual renewals.
-- Only status = 'paid' has paid_at; failed, pending and refunded invoices have paid_at NULL.

-- <query billed_and_collected_by_month>
-- <description>Billed revenue (all invoices issued) and collected revenue (status 'paid') per month, with failed, refunded and pending amounts. Lumpy because annual plans are billed once a year.</description>
-- <query>
SELECT date_trunc('month', invoice_date)::date AS month,
       count(*) AS invoices,
       sum(amount) AS billed,
       coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0) AS collected,
       coalesce(sum(amount) FILTER (WHERE status = 'failed'), 0) AS failed,
       coalesce(sum(amount) FILTER (WHERE status = 'refunded'), 0) AS refunded,
       coalesce(sum(amount) FILTER (WHERE status = 'pending'), 0) AS pending
FROM invoices
GROUP BY 1
ORDER BY 1;
-- </query>

-- <query failed_payments_by_month>
-- <description>Failed payments per month: number and amount of failed invoices and the payment failure rate, split by plan.</description>
-- <query>
SELECT date_trunc('month', i.invoice_date)::date AS month,
       s.plan,
       count(*) AS invoices,
       count(*) FILTER (WHERE i.status = 'failed') AS failed_invoices,
       coalesce(sum(i.amount) FILTER (WHERE i.status = 'failed'), 0) AS failed_amount,
       round(100.0 * count(*) FILTER (WHERE i.status = 'failed') / count(*), 2) AS failure_rate_pct
FROM invoices i
JOIN subscriptions s USING (subscription_id)
GROUP BY 1, 2
ORDER BY 1, array_position(ARRAY['starter', 'growth', 'business', 'enterprise'], s.plan);
-- </query>

-- <query customers_with_failed_payments>
-- <description>Customers with failed invoices in the last quarter of data (Oct-Dec 2025) who are still subscribed: how many failed, the amount at stake and their current MRR.</description>
-- <query>
SELECT c.company_name,
       s.plan,
       s.mrr AS current_mrr,
       count(*) AS failed_invoices,
       sum(i.amount) AS failed_amount,
       max(i.invoice_date) AS last_failed_invoice
FROM invoices i
JOIN customers c USING (customer_id)
JOIN subscriptions s ON s.customer_id = i.customer_id AND s.ended_at IS NULL AND NOT s.is_trial
WHERE i.status = 'failed'
  AND i.invoice_date >= date '2025-10-01'
GROUP BY c.company_name, s.plan, s.mrr
ORDER BY failed_amount DESC;
-- </query>

-- <query annual_renewals_due>
-- <description>Annual subscriptions renewing in the first quarter of 2026 and the invoice each renewal will bring (mrr * 12 * 0.9, the 10% annual discount).</description>
-- <query>
WITH next_renewal AS (
    SELECT s.subscription_id, s.customer_id, s.plan, s.mrr,
           (s.started_at + make_interval(years => (extract(year FROM age(date '2025-12-31', s.started_at)))::int + 1))::date
               AS renewal_date
    FROM subscriptions s
    WHERE s.billing_cycle = 'annual' AND s.ended_at IS NULL AND NOT s.is_trial
)
SELECT c.company_name, n.plan, n.mrr, n.renewal_date, round(n.mrr * 12 * 0.9, 2) AS renewal_invoice_amount
FROM next_renewal n
JOIN customers c USING (customer_id)
WHERE n.renewal_date BETWEEN date '2026-01-01' AND date '2026-03-31'
ORDER BY n.renewal_date, renewal_invoice_amount DESC;
-- </query>
