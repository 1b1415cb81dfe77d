"""DDL for the six sample tables: types, keys, indexes and the comments analysts read in psql.

Type choices are deliberate: money is NUMERIC (never float); things that happen on a calendar day
(signup, subscription start/end, invoice issue, usage sample) are DATE; things that happen at an
instant and are measured in hours (payments, ticket creation and resolution) are TIMESTAMPTZ.
"""

from __future__ import annotations

# Parents before children: creation order; drop order is the reverse.
TABLES = ("customers", "subscriptions", "plan_changes", "invoices", "usage_metrics", "support_tickets")

# Column order used by COPY; it must match the tuples the generation steps produce.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "company_name",
        "industry",
        "company_size",
        "country",
        "acquisition_channel",
        "signup_date",
    ),
    "subscriptions": (
        "subscription_id",
        "customer_id",
        "plan",
        "billing_cycle",
        "seats",
        "mrr",
        "is_trial",
        "started_at",
        "ended_at",
        "end_reason",
        "cancellation_reason",
    ),
    "plan_changes": (
        "change_id",
        "customer_id",
        "change_date",
        "change_type",
        "from_subscription_id",
        "to_subscription_id",
        "from_plan",
        "to_plan",
        "mrr_before",
        "mrr_after",
    ),
    "invoices": (
        "invoice_id",
        "customer_id",
        "subscription_id",
        "invoice_date",
        "due_date",
        "period_start",
        "period_end",
        "amount",
        "status",
        "paid_at",
    ),
    "usage_metrics": (
        "customer_id",
        "metric_date",
        "active_users",
        "queries_run",
        "dashboards_viewed",
        "api_calls",
        "total_dashboards",
    ),
    "support_tickets": (
        "ticket_id",
        "customer_id",
        "created_at",
        "resolved_at",
        "status",
        "priority",
        "category",
        "channel",
        "satisfaction_score",
    ),
}

DDL = """
CREATE TABLE customers (
    customer_id         integer PRIMARY KEY,
    company_name        text NOT NULL UNIQUE,
    industry            text NOT NULL,
    company_size        text NOT NULL CHECK (company_size IN ('1-10','11-50','51-200','201-1000','1000+')),
    country             text NOT NULL,
    acquisition_channel text NOT NULL,
    signup_date         date NOT NULL
);
CREATE TABLE subscriptions (
    subscription_id     integer PRIMARY KEY,
    customer_id         integer NOT NULL REFERENCES customers,
    plan                text NOT NULL CHECK (plan IN ('starter','growth','business','enterprise')),
    billing_cycle       text NOT NULL CHECK (billing_cycle IN ('monthly','annual')),
    seats               integer NOT NULL CHECK (seats > 0),
    mrr                 numeric(12,2) NOT NULL CHECK (mrr >= 0),
    is_trial            boolean NOT NULL,
    started_at          date NOT NULL,
    ended_at            date CHECK (ended_at >= started_at),
    end_reason          text CHECK (end_reason IN
                            ('trial_converted','trial_expired','upgrade','downgrade','cancelled')),
    cancellation_reason text,
    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CHECK ((end_reason = 'cancelled') = (cancellation_reason IS NOT NULL))
);
CREATE TABLE plan_changes (
    change_id            integer PRIMARY KEY,
    customer_id          integer NOT NULL REFERENCES customers,
    change_date          date NOT NULL,
    change_type          text NOT NULL CHECK (change_type IN ('upgrade','downgrade')),
    from_subscription_id integer NOT NULL REFERENCES subscriptions,
    to_subscription_id   integer NOT NULL REFERENCES subscriptions,
    from_plan            text NOT NULL,
    to_plan              text NOT NULL,
    mrr_before           numeric(12,2) NOT NULL,
    mrr_after            numeric(12,2) NOT NULL
);
CREATE TABLE invoices (
    invoice_id      integer PRIMARY KEY,
    customer_id     integer NOT NULL REFERENCES customers,
    subscription_id integer NOT NULL REFERENCES subscriptions,
    invoice_date    date NOT NULL,
    due_date        date NOT NULL,
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    amount          numeric(12,2) NOT NULL CHECK (amount > 0),
    status          text NOT NULL CHECK (status IN ('paid','pending','failed','refunded')),
    paid_at         timestamptz,
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE TABLE usage_metrics (
    customer_id       integer NOT NULL REFERENCES customers,
    metric_date       date NOT NULL,
    active_users      integer NOT NULL,
    queries_run       integer NOT NULL,
    dashboards_viewed integer NOT NULL,
    api_calls         integer NOT NULL,
    total_dashboards  integer NOT NULL,
    PRIMARY KEY (customer_id, metric_date)
);
CREATE TABLE support_tickets (
    ticket_id          integer PRIMARY KEY,
    customer_id        integer NOT NULL REFERENCES customers,
    created_at         timestamptz NOT NULL,
    resolved_at        timestamptz CHECK (resolved_at >= created_at),
    status             text NOT NULL CHECK (status IN ('open','in_progress','resolved')),
    priority           text NOT NULL CHECK (priority IN ('low','medium','high','urgent')),
    category           text NOT NULL,
    channel            text NOT NULL,
    satisfaction_score smallint CHECK (satisfaction_score BETWEEN 1 AND 5),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
"""

# Indexes go on after COPY (faster load); they serve the joins and date filters analysts write.
INDEXES = """
CREATE INDEX customers_signup_date_idx ON customers (signup_date);
CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_id, started_at);
CREATE INDEX subscriptions_active_idx ON subscriptions (customer_id) WHERE ended_at IS NULL;
CREATE INDEX plan_changes_customer_idx ON plan_changes (customer_id, change_date);
CREATE INDEX invoices_customer_idx ON invoices (customer_id, invoice_date);
CREATE INDEX invoices_subscription_idx ON invoices (subscription_id);
CREATE INDEX invoices_date_idx ON invoices (invoice_date);
CREATE INDEX usage_metrics_date_idx ON usage_metrics (metric_date);
CREATE INDEX support_tickets_customer_idx ON support_tickets (customer_id, created_at);
CREATE INDEX support_tickets_created_idx ON support_tickets (created_at);
"""

TABLE_COMMENTS = {
    "customers": "One row per company that signed up (trial or paying), Jan 2024 - Dec 2025. "
    "Whether a customer is paying or churned lives in subscriptions, not here.",
    "subscriptions": "Subscription history: one row per plan period. Active = ended_at IS NULL. "
    "Up/downgrades close the old row and open a new one, so customers have several rows. "
    "Trial rows (is_trial) carry list-price mrr but pay nothing: exclude them from MRR.",
    "plan_changes": "Upgrades and downgrades: links the closed subscription row to the one that replaced it.",
    "invoices": "Invoices issued: monthly plans every month at mrr, annual plans once a year at "
    "mrr*12*0.9. Only status 'paid' has paid_at; failed, pending and refunded have paid_at NULL.",
    "usage_metrics": "Product usage SAMPLED on 3-5 days per customer-month, never daily. "
    "Average it; summing gives meaningless totals. total_dashboards is cumulative.",
    "support_tickets": "Support tickets. satisfaction_score is often NULL (survey unanswered); "
    "open/in_progress tickets have resolved_at NULL.",
}

COLUMN_COMMENTS = {
    ("customers", "acquisition_channel"): "How the customer found us (revenue by source/channel).",
    ("customers", "signup_date"): "Day the trial started; the first subscription starts the same day.",
    ("subscriptions", "mrr"): "Monthly recurring revenue of this row in USD. Annual plans too are "
    "expressed per month. Trials show the list price they would pay: not revenue.",
    ("subscriptions", "is_trial"): "True for the 30-day free trial row; never invoiced.",
    ("subscriptions", "started_at"): "First day of this plan period (inclusive).",
    ("subscriptions", "ended_at"): "Day this row stopped (exclusive); NULL = still active. "
    "The replacing row, if any, starts the same day.",
    ("subscriptions", "end_reason"): "Why the row ended. Only 'cancelled' is churn; upgrade/downgrade "
    "and trial_converted continue under a new row; trial_expired never paid.",
    ("subscriptions", "cancellation_reason"): "Customer-stated reason, only when end_reason = 'cancelled'.",
    ("invoices", "amount"): "Amount billed in USD: mrr (monthly) or mrr*12*0.9 (annual, 10% discount).",
    ("invoices", "paid_at"): "When the payment succeeded; NULL unless status = 'paid'.",
    ("invoices", "period_start"): "First day of the service period this invoice covers.",
    ("invoices", "period_end"): "Last day (inclusive) of the service period covered.",
    ("usage_metrics", "metric_date"): "A sampled day (3-5 per customer-month); missing days are not zero.",
    ("usage_metrics", "active_users"): "Distinct users active that day (at most the seat count).",
    (
        "usage_metrics",
        "total_dashboards",
    ): "Cumulative dashboards created to date: take the latest value, never sum.",
    ("support_tickets", "resolved_at"): "NULL while the ticket is open or in progress.",
    ("support_tickets", "satisfaction_score"): "CSAT 1-5 from the post-resolution survey; NULL when "
    "unanswered (about 40% of resolved tickets) and always NULL for unresolved tickets.",
    ("customers", "customer_id"): "Customer key.",
    ("customers", "company_name"): "Company name; unique.",
    ("customers", "industry"): "Industry segment.",
    ("customers", "company_size"): "Employee band: 1-10, 11-50, 51-200, 201-1000, 1000+.",
    ("customers", "country"): "ISO 3166-1 alpha-2 country code.",
    ("subscriptions", "subscription_id"): "Subscription row key (one per plan period).",
    ("subscriptions", "customer_id"): "The customer; several rows per customer over time.",
    ("subscriptions", "plan"): "starter < growth < business < enterprise.",
    ("subscriptions", "billing_cycle"): "monthly (invoiced monthly at mrr) or annual (yearly at mrr*12*0.9).",
    ("subscriptions", "seats"): "Licensed seats; mrr = seats x plan seat price.",
    ("plan_changes", "change_id"): "Plan change key.",
    ("plan_changes", "customer_id"): "The customer who changed plan.",
    (
        "plan_changes",
        "change_date",
    ): "Day the new plan started (= old row's ended_at = new row's started_at).",
    ("plan_changes", "change_type"): "upgrade or downgrade (by plan tier).",
    ("plan_changes", "from_subscription_id"): "The subscription row that was closed.",
    ("plan_changes", "to_subscription_id"): "The subscription row that replaced it.",
    ("plan_changes", "from_plan"): "Plan before the change.",
    ("plan_changes", "to_plan"): "Plan after the change.",
    ("plan_changes", "mrr_before"): "MRR of the closed row (USD).",
    (
        "plan_changes",
        "mrr_after",
    ): "MRR of the new row (USD); mrr_after - mrr_before is expansion or contraction.",
    ("invoices", "invoice_id"): "Invoice key.",
    ("invoices", "customer_id"): "The billed customer.",
    ("invoices", "subscription_id"): "The subscription row billed (never a trial).",
    ("invoices", "invoice_date"): "Day the invoice was issued (= period_start).",
    ("invoices", "due_date"): "Payment due: 14 days (monthly) or 30 days (annual) after issue.",
    ("invoices", "status"): "paid, pending, failed or refunded. Revenue collected = status 'paid'.",
    ("usage_metrics", "customer_id"): "The customer; (customer_id, metric_date) is unique.",
    ("usage_metrics", "queries_run"): "Queries run that day.",
    ("usage_metrics", "dashboards_viewed"): "Dashboard views that day.",
    ("usage_metrics", "api_calls"): "API calls that day.",
    ("support_tickets", "ticket_id"): "Ticket key (in order of creation).",
    ("support_tickets", "customer_id"): "The customer who raised the ticket.",
    ("support_tickets", "created_at"): "When the ticket was opened (UTC).",
    ("support_tickets", "status"): "open, in_progress or resolved.",
    ("support_tickets", "priority"): "low, medium, high, urgent.",
    ("support_tickets", "category"): "billing, bug, how_to, feature_request, integration, account.",
    ("support_tickets", "channel"): "email, chat or phone.",
}
