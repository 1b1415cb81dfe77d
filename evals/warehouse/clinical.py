"""Hospital and clinical tables: admissions, diagnoses, labs, pharmacy, claims, surgery, staffing."""

TABLES = {
    "patients": "patient_id pk, mrn code, birth_date date, sex=F|M|X, blood_type=O+|A+|B+|O-|A-|AB+,"
    " insurance_plan=commercial|medicare|medicaid|self_pay, zip_code code",
    "clin_dept": "dept_id pk, dept_name=cardiology|oncology|pediatrics|orthopedics|emergency|neurology,"
    " floor int, bed_count int",
    "adt_encounter": "encounter_id pk, patient_id >patients, dept_id >clin_dept, admit_ts ts, discharge_ts ts?,"
    " encounter_type=inpatient|outpatient|emergency|observation,"
    " discharge_disposition=home|skilled_nursing|rehab|expired|against_medical_advice",
    "clin_provider": "provider_id pk, npi code, dept_id >clin_dept,"
    " specialty=cardiology|oncology|hospitalist|surgery|anesthesiology, credential=MD|DO|NP|PA",
    "clin_dx": "dx_id pk, encounter_id >adt_encounter, icd10_code=I10|E11.9|J44.1|N18.3|I50.9|J18.9,"
    " dx_rank int, present_on_admission bool",
    "clin_proc": "proc_id pk, encounter_id >adt_encounter, provider_id >clin_provider,"
    " cpt_code=99223|93000|71046|36415|27447, proc_dt date",
    "lab_order": "lab_order_id pk, encounter_id >adt_encounter, test_code=CBC|BMP|HBA1C|LIPID|TSH|TROPONIN,"
    " priority=routine|stat, ordered_ts ts",
    "lab_result": "result_id pk, lab_order_id >lab_order, analyte=hemoglobin|glucose|potassium|creatinine|troponin_i,"
    " result_value num, unit=g/dL|mg/dL|mmol/L|ng/mL, abnormal_flag=N|H|L, resulted_ts ts",
    "rx_formulary": "drug_id pk, generic_name=apixaban|vancomycin|oxycodone|atorvastatin|insulin_glargine,"
    " drug_class=anticoagulant|antibiotic|opioid|statin|insulin,"
    " formulary_status=preferred|non_preferred|restricted, unit_cost num",
    "rx_med_order": "med_order_id pk, encounter_id >adt_encounter, drug_id >rx_formulary, dose num,"
    " route=oral|iv|im|subcutaneous, frequency=qd|bid|tid|prn, start_dt date",
    "clin_staff": "staff_id pk, staff_role=rn|lpn|cna|tech|pharmacist, hire_dt date, fte num, dept_id >clin_dept",
    "rx_mar": "mar_id pk, med_order_id >rx_med_order, staff_id >clin_staff, administered_ts ts,"
    " admin_status=given|held|refused|missed",
    "bed_census": "census_id pk, dept_id >clin_dept, census_dt date, occupied_beds int, available_beds int",
    "clin_vitals": "vital_id pk, encounter_id >adt_encounter, taken_ts ts, heart_rate int, systolic_bp int,"
    " diastolic_bp int, temp_c num, spo2 int",
    "clin_appt": "appt_id pk, patient_id >patients, provider_id >clin_provider, appt_dt date,"
    " appt_status=completed|scheduled|no_show|cancelled, visit_type=follow_up|new_patient|telehealth",
    "rev_claim": "claim_id pk, encounter_id >adt_encounter, payer=medicare|medicaid|aetna|cigna|united,"
    " billed_amt num, allowed_amt num, claim_status=paid|submitted|denied|appealed,"
    " denial_reason=none|prior_auth_missing|not_covered|duplicate|coding_error",
    "rev_charge": "charge_id pk, encounter_id >adt_encounter, cpt_code=99223|93000|71046|36415,"
    " charge_amt num, post_dt date",
    "clin_allergy": "allergy_id pk, patient_id >patients, allergen=penicillin|peanuts|latex|sulfa|shellfish,"
    " severity=mild|moderate|severe",
    "qual_readmission": "readmit_id pk, index_encounter_id >adt_encounter, readmit_encounter_id >adt_encounter,"
    " days_between int, planned bool",
    "or_case": "or_case_id pk, encounter_id >adt_encounter, surgeon_id >clin_provider, or_room=OR1|OR2|OR3|OR4,"
    " sched_start_ts ts, incision_ts ts, close_ts ts?, asa_class int, case_status=completed|cancelled|delayed",
    "inf_ctrl_event": "event_id pk, encounter_id >adt_encounter, organism=MRSA|C_diff|VRE|E_coli,"
    " infection_type=CLABSI|CAUTI|SSI|VAP, detected_dt date",
    "pt_survey": "survey_id pk, encounter_id >adt_encounter, hcahps_score int, would_recommend bool,"
    " comment_topic=communication|noise|food|pain|cleanliness",
}
