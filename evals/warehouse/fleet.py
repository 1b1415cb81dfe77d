"""Logistics tables: the truck fleet, drivers, freight shipments and loads, and the warehouse floor."""

TABLES = {
    "fl_depot": "depot_id pk, depot_code code, city=Chicago|Dallas|Atlanta|Denver|Newark,"
    " region=midwest|southwest|southeast|west|northeast",
    "fl_vehicle": "vehicle_id pk, vin code, depot_id >fl_depot, make=freightliner|volvo|kenworth|ford|isuzu,"
    " model_year int, vehicle_class=tractor|box_truck|van|reefer, vehicle_status=active|in_shop|retired",
    "fl_driver": "driver_id pk, first_name name, last_name name, depot_id >fl_depot, cdl_class=A|B|C,"
    " hire_date date, driver_status=active|suspended|terminated",
    "fl_fuel_txn": "fuel_txn_id pk, vehicle_id >fl_vehicle, driver_id >fl_driver, txn_ts ts, gallons num,"
    " price_per_gal num, fuel_type=diesel|gasoline|def, station_brand=pilot|loves|ta|shell",
    "fl_maint_wo": "wo_id pk, vehicle_id >fl_vehicle, opened_dt date, closed_dt date?,"
    " maint_type=preventive|repair|inspection|tires|recall, labor_hours num, parts_cost num,"
    " shop=in_house|dealer|mobile",
    "fl_telematics_ping": "ping_id pk, vehicle_id >fl_vehicle, ping_ts ts, lat num, lon num, speed_mph int,"
    " engine_on bool",
    "fl_harsh_event": "event_id pk, vehicle_id >fl_vehicle, driver_id >fl_driver, event_ts ts,"
    " event_type=harsh_brake|rapid_accel|speeding|sharp_turn, severity=low|medium|high",
    "fl_hos_log": "hos_id pk, driver_id >fl_driver, log_dt date, duty_status=driving|on_duty|off_duty|sleeper,"
    " hours num",
    "fl_accident": "accident_id pk, vehicle_id >fl_vehicle, driver_id >fl_driver, accident_dt date,"
    " preventable bool, injury bool, claim_amount num",
    "fl_tire": "tire_id pk, vehicle_id >fl_vehicle, position=steer|drive|trailer, install_dt date,"
    " tread_depth_32nds int",
    "tms_shipper": "shipper_id pk, account_code code, industry=grocery|automotive|chemicals|retail|paper,"
    " credit_terms=net30|net45|prepaid",
    "tms_carrier": "carrier_id pk, scac_code code, carrier_type=asset|broker|owner_operator,"
    " safety_rating=satisfactory|conditional|unrated",
    "tms_shipment": "shipment_id pk, shipper_id >tms_shipper, origin_depot_id >fl_depot,"
    " dest_city=Houston|Memphis|Phoenix|Columbus|Seattle, pickup_dt date, delivery_dt date?,"
    " mode=ftl|ltl|parcel|intermodal, shipment_status=delivered|in_transit|booked|exception, weight_lbs int",
    "tms_load": "load_id pk, shipment_id >tms_shipment, vehicle_id >fl_vehicle, driver_id >fl_driver,"
    " carrier_id ~tms_carrier, dispatched_ts ts, miles int, load_status=delivered|dispatched|planned",
    "tms_stop": "stop_id pk, load_id >tms_load, stop_seq int, stop_type=pickup|delivery, arrival_ts ts,"
    " departure_ts ts, on_time bool",
    "tms_rate": "rate_id pk, lane_origin=Chicago|Dallas|Atlanta, lane_dest=Houston|Memphis|Phoenix,"
    " mode=ftl|ltl|intermodal, rate_per_mile num, effective_dt date",
    "tms_freight_invoice": "invoice_id pk, shipment_id >tms_shipment, invoice_dt date, linehaul_amt num,"
    " fuel_surcharge num, accessorial_amt num, paid bool",
    "wms_sku": "sku_id pk, sku_code code, uom=each|case|pallet, hazmat bool, velocity_class=A|B|C",
    "wms_bin": "bin_id pk, bin_code code, zone=pick|bulk|cold|quarantine, aisle int, bin_level int",
    "wms_inv_txn": "txn_id pk, sku_id >wms_sku, bin_id >wms_bin,"
    " txn_type=pick|receipt|putaway|adjustment|cycle_count, qty int, txn_ts ts",
    "wms_pick_task": "task_id pk, sku_id >wms_sku, bin_id >wms_bin, picker_badge code, wave_no int,"
    " picked_ts ts, short_pick bool",
    "wms_dock_appt": "appt_id pk, carrier_id >tms_carrier, dock_door int, appt_ts ts,"
    " appt_type=inbound|outbound, arrived_late bool",
}
