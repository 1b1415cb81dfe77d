"""Retail and e-commerce tables: web orders, stores and tills, promotions, marketing, loyalty."""

TABLES = {
    "ecom_customer": "customer_id pk, email code, signup_dt date, loyalty_tier=bronze|silver|gold|platinum,"
    " acq_channel=organic|paid_search|social|affiliate|email, country=US|CA|UK|DE|FR",
    "ecom_product": "product_id pk, sku code, category=apparel|footwear|home|beauty|electronics|outdoor,"
    " brand=northpeak|lumen|verdant|coastline, list_price num, launch_dt date, is_active bool",
    "ecom_order": "order_id pk, customer_id >ecom_customer, order_ts ts,"
    " order_status=delivered|shipped|placed|cancelled|returned, channel=web|app|marketplace,"
    " subtotal num, discount_amt num, tax_amt num, shipping_amt num",
    "ecom_order_line": "line_id pk, order_id >ecom_order, product_id >ecom_product, qty int, unit_price num,"
    " line_discount num",
    "ecom_return": "return_id pk, line_id >ecom_order_line, return_dt date,"
    " return_reason=wrong_size|damaged|not_as_described|changed_mind|late_delivery, refund_amt num,"
    " restocked bool",
    "web_session": "session_id pk, customer_id >ecom_customer, started_ts ts, device=mobile|desktop|tablet,"
    " utm_source=google|facebook|instagram|newsletter|direct, landing_page=home|product|category|sale,"
    " bounced bool",
    "ecom_cart_event": "event_id pk, session_id >web_session, product_id >ecom_product,"
    " event_type=add_to_cart|remove_from_cart|checkout_start|purchase, event_ts ts",
    "ecom_payment": "payment_id pk, order_id >ecom_order, payment_method=card|paypal|apple_pay|gift_card|klarna,"
    " amount num, payment_status=captured|authorized|failed|refunded, processed_ts ts",
    "ecom_promo": "promo_id pk, promo_code code, promo_type=percent_off|dollar_off|free_shipping|bogo,"
    " discount_value num, start_dt date, end_dt date",
    "ecom_promo_redemption": "redemption_id pk, promo_id >ecom_promo, order_id >ecom_order, redeemed_ts ts,"
    " discount_amt num",
    "pos_store": "store_id pk, store_code code, city=Boston|Austin|Portland|Miami|Denver,"
    " store_format=mall|flagship|outlet|popup, sq_ft int, opened_dt date",
    "pos_txn": "txn_id pk, store_id >pos_store, register_no int, txn_ts ts,"
    " tender_type=card|cash|mobile|gift_card, total_amt num, items_count int",
    "pos_txn_line": "line_id pk, txn_id >pos_txn, product_id >ecom_product, qty int, unit_price num,"
    " markdown_amt num",
    "inv_store_stock": "stock_id pk, store_id >pos_store, product_id >ecom_product, snapshot_dt date,"
    " on_hand_qty int, on_order_qty int",
    "mkt_campaign": "campaign_id pk, campaign_code code, channel=email|paid_social|paid_search|display|tv,"
    " start_dt date, end_dt date, budget_amt num",
    "mkt_ad_spend_daily": "spend_id pk, campaign_id >mkt_campaign, spend_dt date, impressions int, clicks int,"
    " spend_amt num, conversions int",
    "mkt_email_send": "send_id pk, campaign_id >mkt_campaign, customer_id >ecom_customer, sent_ts ts,"
    " opened bool, clicked bool, unsubscribed bool",
    "ecom_review": "review_id pk, product_id >ecom_product, customer_id >ecom_customer, rating int,"
    " review_dt date, verified_purchase bool",
    "ecom_gift_card": "gift_card_id pk, card_no code, issued_dt date, initial_balance num, current_balance num,"
    " gc_status=active|redeemed|expired",
    "loyalty_points_ledger": "entry_id pk, customer_id >ecom_customer, entry_ts ts, points int,"
    " reason=purchase|review|referral|redemption|expiry",
    "ecom_shipment": "shipment_id pk, order_id >ecom_order, carrier=ups|fedex|usps|dhl, ship_dt date,"
    " delivered_dt date?, shipping_speed=standard|expedited|overnight",
    "cs_ticket": "ticket_id pk, customer_id >ecom_customer, order_id ~ecom_order, opened_ts ts,"
    " topic=where_is_my_order|refund|damaged_item|account|promo_code, csat int, contact_channel=chat|email|phone",
}
