/*
 * Every limit biljett enforces, in one place.  Each is checked before the
 * arithmetic or copy it guards.  BODY_MAX must match nginx's
 * client_max_body_size in the nginx configs.
 */
#ifndef BILJETT_LIMITS_H
#define BILJETT_LIMITS_H

#define BODY_MAX		(64 * 1024)	/* request body, bytes */
#define BODY_MAX_NGINX		"64k"		/* same, nginx syntax */
#define UPLOAD_BODY_MAX		(6 * 1024 * 1024) /* ROUTE_UPLOAD routes */
#define UPLOAD_BODY_MAX_NGINX	"6m"
#define PATH_MAX_LEN		1024		/* request path */
#define QUERY_MAX_LEN		2048		/* query string */
#define HEADER_MAX_LEN		4096		/* any single header value */
#define COOKIE_MAX		32		/* cookies per request */
#define PARAM_MAX		64		/* query/form pairs per request */
#define MULTIPART_PARTS_MAX	32		/* parts in a multipart body */
#define FIELD_NAME_MAX		64		/* form field or JSON key */
#define FIELD_VALUE_MAX		4096		/* default cap on a string field */
#define JSON_DEPTH_MAX		16		/* nesting in a JSON body */
#define ARRAY_ITEMS_MAX		32		/* items in an array field */
#define CART_LINES_MAX		20		/* products in one cart (<= ARRAY_ITEMS_MAX) */
#define PRODUCT_NAME_MAX	255		/* a product's name, bytes */
#define PRODUCT_DESC_MAX	4000		/* its description, bytes */
#define PER_PAGE_MAX		100		/* pagination */
#define PER_PAGE_DEFAULT	20
#define PAGE_MAX		100000
#define TICKETS_PER_ORDER_MAX	100		/* hard cap whatever the event says */
#define MAX_PER_PAYMENT_DEFAULT	8		/* an event's, if it says none */
#define TICKET_COUNT_MAX	1000		/* one line's count before checks */
#define EMAIL_MAX		254		/* RFC 5321 path limit */
#define PASSWORD_MAX		1024
#define CONF_SECRET_MAX		1024		/* a secret given as a credential */
#define EXTERNAL_ID_LEN		6		/* ticket code, A-Z */
#define TOKEN_BYTES		32		/* session and other secrets */
#define TOKEN_HEX_LEN		(TOKEN_BYTES * 2)
#define UUID_LEN		36		/* 8-4-4-4-12 hex digits */
#define ORDER_NUMBER_MAX	32		/* "OE-20251119-0001", and room */
#define BUYER_NAME_MAX		255		/* seed 004's buyer_name */
#define BUYER_PHONE_MAX		32
#define ORDER_NOTES_MAX		2000
#define CANCEL_REASON_MAX	500
#define IDEMPOTENCY_KEY_MAX	255		/* as Stripe's */
#define IDEMPOTENCY_SECONDS	(24 * 3600)
/* Longer than any request runs (the write lock's wait, a provider's
 * timeout): a first use of a key still "running" after this died with
 * its worker, and the key may be used again. */
#define IDEMPOTENCY_RUN_MAX	120
/* Likewise a payment recorded but never created at the provider: its
 * worker died while asking; pay_begin() starts it again. */
#define PAYMENT_CREATE_MAX	120
#define SERVICE_FEE_PERCENT_MAX	100
#define PROVIDER_NAME_MAX	16		/* "swish", "stripe": a form's choice */
#define PAY_REF_MAX		64		/* a payment's or refund's id */
#define PAY_TOKEN_MAX		128		/* for the payer's device */
#define PAY_METHOD_MAX		128		/* a payment method id to charge */
/* A booking's cancellation policy (sql/017): cut-off before the event. */
#define BOOKING_CANCEL_HOURS_DEFAULT	24
#define BOOKING_CANCEL_HOURS_MAX	8760
#define BOOKING_REFUND_PERCENT_DEFAULT	100
#define PAY_MESSAGE_MAX		50		/* characters shown to the payer */
#define PAY_SECRET_MAX		(TOKEN_HEX_LEN * 2) /* claimed by a callback */
#define PAY_EVENT_KEY_MAX	128		/* provider_events.event_key */
#define PAY_ERROR_CODE_MAX	32		/* a provider's error code */
#define SWISH_ID_LEN		32		/* instruction UUID, upper hex */
#define SWISH_MESSAGE_MAX	50
#define SWISH_TOKEN_MAX		64		/* PaymentRequestToken */
#define SWISH_QR_BODY_MAX	(4 * 1024 * 1024) /* a QR PNG from Swish's generator */
#define STRIPE_KEY_MAX		256		/* an API key or webhook secret */
#define STRIPE_REF_LEN		36		/* our UUID v4 references */
#define STRIPE_SIG_HEADER_MAX	2048		/* a Stripe-Signature value */
#define STRIPE_SIG_V1_MAX	8		/* v1 signatures tried per header */
#define STRIPE_SIG_TOLERANCE	300		/* |now - t|, seconds */
#define STRIPE_FORM_MAX		4096		/* a form-encoded request body */
#define STRIPE_TIMEOUT_DEFAULT	10		/* seconds per Stripe call */
#define PAY_PHONE_MAX		12		/* an MSISDN, 2547XXXXXXXX */
#define PHONE_INPUT_MAX		32		/* a phone number as typed */
#define MPESA_KEY_MAX		256		/* a consumer key, secret or passkey */
#define MPESA_SHORTCODE_MAX	7		/* a paybill or till: 5-7 digits */
#define MPESA_TOKEN_MAX		512		/* a Daraja access token */
#define MPESA_TOKEN_MARGIN	60		/* renew a token this early, s */
#define MPESA_ACCOUNT_REF_MAX	12		/* AccountReference, shown to the payer */
#define MPESA_DESC_MAX		13		/* TransactionDesc */
#define MPESA_TIMEOUT_DEFAULT	30		/* seconds per Daraja call */
#define MPESA_BODY_MAX		4096		/* an STK push or query we send */
#define HTTPC_BODY_MAX		(64 * 1024)	/* a provider's reply, by default */
#define HTTPC_WANT_MAX		4		/* response headers kept per call */
#define HTTPC_HEADER_VALUE_MAX	512		/* one kept response header */
#define HTTPC_TIMEOUT_DEFAULT	10		/* seconds per outbound call */
#define HTTPC_CONNECT_SECONDS	5		/* of which connecting */
#define DB_BUSY_MS_DEFAULT	5000		/* wait for the write lock, ms */
#define PROVIDER_BODY_MAX	(16 * 1024)	/* callback bodies accepted */
#define REJECT_LOG_PER_MIN	30		/* refused-callback log lines, per worker */
#define QR_CACHE_SLOTS		256		/* QR PNGs pay's workers share */
#define QR_PNG_MAX		(64 * 1024)	/* largest QR PNG cached, bytes */
#define PRUNE_BATCH		500		/* rows per pruning transaction */
#define PRUNE_BATCHES_MAX	200		/* per `biljett expire` run */
#define PROVIDER_EVENTS_DAYS_MAX 3650		/* provider_events_days */
#define ENDED_KEEP_SECONDS	(7 * 24 * 3600)	/* sessions, links, refresh tokens kept past expiry */
#define MONEY_MAX		(INT64_C(100000000000))	/* minor units */
#define CURRENCY_LEN		3		/* ISO 4217 code */
#define ID_MAX			INT64_C(9007199254740991) /* 2^53-1, JSON-safe */
#define TITLE_MAX		200
#define NAME_TEXT_MAX		100		/* a type's, tier's or day's name */
#define SHORT_DESCRIPTION_MAX	500
#define MONEY_DIGITS_MAX	9		/* whole units in an amount */
#define SLUG_MAX		80		/* events.slug, categories.slug */
#define TAGS_MAX		500		/* comma-separated tags */
#define VENUE_TEXT_MAX		200		/* venue name, address, city */
#define CAPACITY_MAX		1000000		/* an event's or variant's places */
#define PURCHASE_MAX		100		/* min/max_purchase */
#define DAY_NUMBER_MAX		366
#define TIER_NUMBER_MAX		100
#define VARIANTS_MAX		500		/* variants of one ticket type */
#define SEARCH_MAX		100		/* ?search= */
#define TEXTS_JSON_MAX		(40 * 1024)	/* a row's translations, as JSON */
#define DESCRIPTION_MAX		4000
#define LINK_MAX		500		/* a store's image path or web link */
#define CSP_ORIGIN_MAX		255		/* "https://js.stripe.com" in a page's CSP */
#define STORE_EVENTS_MAX	200		/* events on a public store page */
#define REPORT_ROWS_MAX		100		/* rows of one list in a dashboard */
#define REPORT_DAYS_MAX		366		/* a dashboard's days of sales */
#define CSV_ROWS_MAX		100000		/* attendees in one CSV download */
#define SESSION_SECONDS		(14 * 24 * 3600)	/* seed-002 cookie life */
#define RESERVATION_SECONDS_DEFAULT	900
#define HOLD_MINUTES_MIN	5		/* an event's order_hold_minutes */
#define HOLD_MINUTES_MAX	120
#define QUEUE_RATE_MAX		100000		/* on-sale queue admissions a minute */
#define QUEUE_RATE_DEFAULT	60
#define QUEUE_PASS_SECONDS	600		/* to reserve, from one's turn on */
#define QUEUE_VISITOR_SECONDS	(30 * 86400)	/* the queueid cookie's life */
#define QUEUE_PASS_MAX		128		/* an admission pass as text */
#define SCANNER_NAME_MAX	64		/* a door scanner's name, bytes */
#define SCANNER_EVENTS_MAX	100		/* events one scanner or staff is limited to */
#define OFFLINE_SCAN_AGE_MAX	(24 * 3600)	/* how far back an offline scan may date itself */
#define CLIENT_KEY_MAX		64	/* "2001:db8::/64", "203.0.113.7" */
#define HOLD_CAP_ORDERS_DEFAULT	2	/* caps default to 2 full orders */
#define HOLD_CAP_MAX		1000000	/* an event's cap, places */
#define HOLD_EXTENSIONS_MAX	2	/* pay_begin pushes a hold's expiry */
#define VENUE_NAME_MAX		200	/* a venue's name, bytes */
#define VENUE_ADDRESS_MAX	300
#define VENUE_CITY_MAX		100
#define VENUE_CAPACITY_MAX	1000000
#define VENUE_SECTIONS_MAX	64	/* sections in a seat map */
#define VENUE_ROWS_MAX		200	/* rows in a section */
#define VENUE_SEATS_MAX		20000	/* seats in a seat map */
#define ROW_SEATS_MAX		500	/* seats in a row */
#define SEAT_NUMBER_MAX		99999	/* a generated seat number */
#define SEAT_LABEL_MAX		16	/* a row label or seat number, bytes */
#define SECTION_NAME_MAX	100
#define SEAT_CATEGORY_MAX	64	/* a price category's name */
#define ARENA_BLOCK		(16 * 1024)
#define TMPL_SIZE_MAX		(256 * 1024)	/* template source */
#define TMPL_DEPTH_MAX		16		/* nested sections, partials */
#define TMPL_OUTPUT_MAX		(4 * 1024 * 1024)
#define IMAGE_BYTES_MAX		(5 * 1024 * 1024) /* an uploaded image, bytes */
#define IMAGE_SIDE_MAX		4096		/* its width and height, pixels */
#define IMAGE_JPEG_SCANS_MAX	100		/* progressive scans decoded */
#define IMAGE_JPEG_MEM_MAX	(256 * 1024 * 1024) /* libjpeg's coefficient arrays */
#define MEDIA_PATH_MAX		128		/* "/media/posters/ab/<64 hex>.jpg" */
#define VAT_RATE_MAX		10000		/* basis points: 100 % */
#define INVOICE_PREFIX_MAX	10		/* a store's invoice_prefix, [A-Z0-9-] */
#define INVOICE_NUMBER_MAX	32		/* "PREFIX-2026-000123", and room */
#define INVOICE_FILENAME_MAX	72		/* "credit_<organizer>_<number>.pdf" */
#define INVOICE_TEXT_MAX	300		/* a snapshot's name, address, line */
#define INVOICE_LINES_MAX	(ARRAY_ITEMS_MAX + 16)	/* tickets, fee, per-rate lines */
#define INVOICE_PDF_MAX		(2 * 1024 * 1024) /* a rendered invoice, bytes */
#define TICKET_PDF_MAX		(4 * 1024 * 1024) /* an order's tickets as a PDF, bytes */

/*
 * Requests a worker commits together at most (lib/route, group commit):
 * bounds how long the first of them waits for its answer and how long
 * the other workers wait for the write lock.
 */
#define WRITE_BATCH_MAX		32
/* Heap a worker keeps rather than give back to the system (mallopt). */
#define WORKER_HEAP_KEEP	(8 * 1024 * 1024)

/* Resending and transferring tickets (lib/transfer). */
#define RESEND_WINDOW		3600	/* seconds over which ticket mails count */
#define RESEND_PER_WINDOW	3	/* resends of one order per window */
#define TRANSFER_CUTOFF_HOURS_DEFAULT	24	/* an event's transfer_cutoff_hours */
#define TRANSFER_CUTOFF_HOURS_MAX	8760
#define TRANSFERS_MAX		100	/* an event's transfers_max, per seat */

/* When an event's door day begins, in minutes after local midnight
 * (events.day_starts, lib/checkin.h): 06:00 unless set, at most noon. */
#define DAY_STARTS_DEFAULT	360
#define DAY_STARTS_MAX		720

#endif
