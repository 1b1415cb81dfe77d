-- Support quality: CSAT, resolution time, backlog.
-- satisfaction_score is NULL when the survey was not answered; only resolved tickets have resolved_at.

-- <query csat_by_month>
-- <description>CSAT per month: average satisfaction score over answered surveys, share of happy (4-5) answers and the survey response rate among resolved tickets.</description>
-- <query>
SELECT date_trunc('month', resolved_at)::date AS month,
       count(*) AS resolved_tickets,
       count(satisfaction_score) AS surveys_answered,
       round(100.0 * count(satisfaction_score) / count(*), 1) AS response_rate_pct,
       round(avg(satisfaction_score), 2) AS avg_csat,
       round(100.0 * count(*) FILTER (WHERE satisfaction_score >= 4) / nullif(count(satisfaction_score), 0), 1)
           AS happy_pct
FROM support_tickets
WHERE status = 'resolved'
GROUP BY 1
ORDER BY 1;
-- </query>

-- <query resolution_time_by_priority>
-- <description>Support resolution time by priority: median and 90th percentile hours from creation to resolution for resolved tickets, and average CSAT.</description>
-- <query>
SELECT priority,
       count(*) AS resolved_tickets,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at) / 3600))::numeric, 1)
           AS median_hours,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at) / 3600))::numeric, 1)
           AS p90_hours,
       round(avg(satisfaction_score), 2) AS avg_csat
FROM support_tickets
WHERE status = 'resolved'
GROUP BY priority
ORDER BY array_position(ARRAY['urgent', 'high', 'medium', 'low'], priority);
-- </query>

-- <query support_by_category>
-- <description>Ticket volume, median resolution hours and CSAT by ticket category for 2025.</description>
-- <query>
SELECT category,
       count(*) AS tickets,
       count(*) FILTER (WHERE status <> 'resolved') AS unresolved,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at) / 3600))::numeric, 1)
           AS median_resolution_hours,
       round(avg(satisfaction_score), 2) AS avg_csat
FROM support_tickets
WHERE created_at >= timestamptz '2025-01-01 00:00+00' AND created_at < timestamptz '2026-01-01 00:00+00'
GROUP BY category
ORDER BY tickets DESC;
-- </query>

-- <query open_ticket_backlog>
-- <description>Open support backlog at the end of the data: unresolved tickets (open or in_progress) by priority with their age in days measured to 2025-12-31, not to today.</description>
-- <query>
SELECT priority,
       count(*) AS unresolved_tickets,
       count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
       round(avg(extract(epoch FROM timestamptz '2025-12-31 23:59:59+00' - created_at) / 86400)::numeric, 1)
           AS avg_age_days,
       min(created_at) AS oldest_created_at
FROM support_tickets
WHERE status IN ('open', 'in_progress')
GROUP BY priority
ORDER BY array_position(ARRAY['urgent', 'high', 'medium', 'low'], priority);
-- </query>
