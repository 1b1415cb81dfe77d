"""HR and payroll tables: employees, pay, time off, reviews, leavers, recruiting, benefits."""

TABLES = {
    "hr_dept": "dept_id pk, dept_name=engineering|sales|finance|operations|marketing|people|legal,"
    " cost_center code",
    "hr_job": "job_id pk, job_title=software_engineer|account_executive|accountant|recruiter|analyst,"
    " job_family=engineering|sales|g_and_a|operations, job_level=IC2|IC3|IC4|M1|M2,"
    " flsa_status=exempt|non_exempt",
    "hr_emp": "emp_id pk, first_name name, last_name name, dept_id >hr_dept, job_id >hr_job, mgr_emp_id ~hr_emp,"
    " hire_dt date, term_dt date?, emp_type=full_time|part_time|contractor|intern,"
    " work_location=hq|remote|plant|field",
    "hr_emp_comp": "comp_id pk, emp_id >hr_emp, effective_dt date, base_salary num, currency=USD|EUR|GBP|CAD,"
    " pay_frequency=biweekly|semimonthly|monthly, change_reason=merit|hire|promotion|market_adjustment",
    "pay_run": "pay_run_id pk, pay_period_start date, pay_period_end date, check_dt date,"
    " run_type=regular|off_cycle|bonus, run_status=paid|approved|draft",
    "pay_stub": "stub_id pk, pay_run_id >pay_run, emp_id >hr_emp, gross_pay num, net_pay num, hours_worked num",
    "pay_deduction": "deduction_id pk, stub_id >pay_stub, deduction_code=401k|medical|dental|vision|hsa|garnishment,"
    " amount num, pre_tax bool",
    "pay_tax_withholding": "withholding_id pk, stub_id >pay_stub,"
    " tax_type=federal|state|fica_ss|fica_medicare|local, amount num",
    "hr_pto_request": "pto_id pk, emp_id >hr_emp, start_dt date, end_dt date,"
    " pto_type=vacation|sick|parental|bereavement|jury_duty, request_status=approved|pending|denied, hours num",
    "hr_pto_balance": "balance_id pk, emp_id >hr_emp, as_of_dt date, pto_type=vacation|sick, balance_hours num",
    "hr_perf_review": "review_id pk, emp_id >hr_emp, reviewer_emp_id ~hr_emp, review_cycle=2024H2|2025H1|2025H2,"
    " rating=meets|exceeds|below|far_below, submitted_dt date",
    "hr_termination": "term_id pk, emp_id >hr_emp, term_dt date?,"
    " term_type=voluntary|involuntary|retirement|layoff,"
    " term_reason=better_offer|relocation|performance|restructuring|career_change, regrettable bool",
    "ats_requisition": "req_id pk, job_id >hr_job, dept_id >hr_dept, opened_dt date, closed_dt date?,"
    " req_status=open|filled|cancelled|on_hold, headcount int",
    "ats_candidate": "candidate_id pk, first_name name, last_name name,"
    " source=referral|linkedin|job_board|agency|career_site, applied_dt date",
    "ats_application": "application_id pk, candidate_id >ats_candidate, req_id >ats_requisition,"
    " stage=applied|phone_screen|onsite|offer|hired|rejected, stage_dt date",
    "ats_offer": "offer_id pk, application_id >ats_application, offer_dt date, offered_salary num,"
    " offer_status=accepted|extended|declined|rescinded",
    "hr_benefit_enrollment": "enrollment_id pk, emp_id >hr_emp, plan_type=medical|dental|vision|life|hsa,"
    " coverage_tier=employee|employee_spouse|family, plan_year int, employee_cost num, employer_cost num",
    "hr_training": "training_id pk, emp_id >hr_emp,"
    " course=harassment_prevention|security_awareness|forklift_safety|leadership|code_of_conduct,"
    " due_dt date, completed_dt date?, passed bool",
    "hr_timesheet": "timesheet_id pk, emp_id >hr_emp, work_dt date, hours_regular num, hours_overtime num,"
    " project_code code",
    "hr_headcount_snapshot": "snapshot_id pk, snapshot_month date, dept_id >hr_dept, headcount int, open_reqs int",
    "hr_engagement_survey": "response_id pk, emp_id ~hr_emp, survey_dt date, enps_score int,"
    " theme=manager|growth|pay|workload|culture",
    "hr_expense_report": "expense_id pk, emp_id >hr_emp, submitted_dt date,"
    " expense_type=travel|meals|lodging|software|mileage, amount num,"
    " approval_status=reimbursed|submitted|approved|rejected",
}
