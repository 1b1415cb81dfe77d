"""Manufacturing tables: plants and lines, work orders, machines, quality, purchasing, safety."""

TABLES = {
    "mfg_plant": "plant_id pk, plant_code code, country=US|MX|DE|CN, plant_type=assembly|machining|packaging",
    "mfg_line": "line_id pk, plant_id >mfg_plant, line_type=stamping|welding|paint|final_assembly,"
    " rated_units_per_hr int",
    "mfg_item": "item_id pk, part_no code, item_type=component|raw_material|subassembly|finished_good,"
    " uom=ea|kg|m|l, std_cost num",
    "mfg_bom": "bom_id pk, parent_item_id >mfg_item, child_item_id >mfg_item, qty_per num",
    "mes_work_order": "wo_id pk, item_id >mfg_item, line_id >mfg_line, planned_qty int, completed_qty int,"
    " scrapped_qty int, wo_status=completed|in_progress|released|closed, sched_start_dt date, actual_end_dt date?",
    "mes_downtime": "downtime_id pk, line_id >mfg_line, start_ts ts, end_ts ts,"
    " reason_code=changeover|breakdown|material_shortage|no_operator|planned_maint, minutes int",
    "mes_machine": "machine_id pk, line_id >mfg_line, machine_type=cnc|press|robot|conveyor|oven,"
    " oem=fanuc|siemens|haas|abb, install_dt date",
    "mes_sensor_reading": "reading_id pk, machine_id >mes_machine, read_ts ts, temperature_c num,"
    " vibration_mm_s num, spindle_rpm int",
    "qa_inspection": "inspection_id pk, wo_id >mes_work_order, inspected_ts ts,"
    " inspection_type=in_process|first_article|final, sample_size int, defects_found int,"
    " disposition=accept|rework|scrap|hold",
    "qa_defect": "defect_id pk, inspection_id >qa_inspection,"
    " defect_code=scratch|dent|porosity|misalignment|dimensional, severity=minor|major|critical, qty int",
    "proc_supplier": "supplier_id pk, supplier_code code, country=US|MX|CN|DE|VN,"
    " supplier_tier=preferred|strategic|approved|probation, lead_time_days int",
    "qa_ncr": "ncr_id pk, item_id >mfg_item, supplier_id >proc_supplier, opened_dt date, closed_dt date?,"
    " root_cause=material|method|machine|man|measurement, capa_required bool",
    "proc_po_header": "po_id pk, supplier_id >proc_supplier, po_dt date,"
    " po_status=received|open|partially_received|cancelled, currency=USD|EUR|CNY, total_amt num",
    "proc_po_line": "po_line_id pk, po_id >proc_po_header, item_id >mfg_item, ordered_qty int, unit_cost num,"
    " promised_dt date",
    "proc_receipt": "receipt_id pk, po_line_id >proc_po_line, received_dt date, received_qty int,"
    " rejected_qty int",
    "mfg_raw_stock": "stock_id pk, item_id >mfg_item, plant_id >mfg_plant, snapshot_dt date, on_hand_qty int,"
    " safety_stock_qty int",
    "mfg_prod_schedule": "schedule_id pk, line_id >mfg_line, item_id >mfg_item, sched_dt date, shift=A|B|C,"
    " planned_units int",
    "mfg_labor_entry": "labor_id pk, wo_id >mes_work_order, operator_badge code, clock_in_ts ts, clock_out_ts ts,"
    " labor_type=direct|indirect|setup",
    "mfg_warranty_claim": "claim_id pk, item_id >mfg_item, serial_no code, claim_dt date,"
    " failure_mode=electrical|mechanical|cosmetic|software, claim_cost num, claim_status=approved|open|rejected",
    "mfg_energy_meter": "meter_read_id pk, plant_id >mfg_plant, read_dt date, kwh num, gas_therms num,"
    " water_m3 num",
    "mfg_tooling": "tool_id pk, tool_type=die|mold|fixture|gauge, cycles_used int, cycle_life int,"
    " last_calibrated_dt date",
    "ehs_incident": "incident_id pk, plant_id >mfg_plant, incident_dt date,"
    " incident_type=near_miss|first_aid|recordable|lost_time, body_part=hand|back|eye|foot,"
    " root_cause=unsafe_act|unsafe_condition|equipment|training",
}
