"""Names shared between domain.yml and the actions. Change them in both places."""

# intents
INTENT_AFFIRM = "affirm"
INTENT_DENY = "deny"
INTENT_THANK = "thank"
INTENT_REQUEST_HUMAN = "request_human"
INTENT_NLU_FALLBACK = "nlu_fallback"
INTENT_FAQ = "faq"
INTENT_STOP = "stop"

# slots
REQUESTED_SLOT = "requested_slot"
CUSTOMER_NUMBER = "customer_number"
ELECTRICITY_READING = "electricity_reading"
GAS_READING = "gas_reading"
READING_DATE = "reading_date"
# identification without a customer number: the customer's own (current) address
NO_CUSTOMER_NUMBER = "no_customer_number"
POSTCODE = "postcode"
HOUSE_NUMBER = "house_number"
# meter readings: single meter (electricity_reading) or double meter (normal and off-peak), and
# the return readings of customers with solar panels
METER_TYPE = "meter_type"
ELECTRICITY_NORMAL_READING = "electricity_normal_reading"
ELECTRICITY_OFFPEAK_READING = "electricity_offpeak_reading"
SOLAR_PANELS = "solar_panels"
RETURN_READING = "return_reading"
RETURN_NORMAL_READING = "return_normal_reading"
RETURN_OFFPEAK_READING = "return_offpeak_reading"
# "Klopt dit?" at the end of a form, and which answer the customer wants to change
FORM_CONFIRMED = "form_confirmed"
FORM_CHANGE = "form_change"
NEW_POSTCODE = "new_postcode"
NEW_HOUSE_NUMBER = "new_house_number"
MOVING_DATE = "moving_date"
FEEDBACK_HELPED = "feedback_helped"
FEEDBACK_SUBJECT = "feedback_subject"
ORG_OPENING_HOURS = "org_opening_hours"  # set at session start and before every FAQ answer

# forms
METERSTAND_FORM = "meterstand_form"
VERHUIZING_FORM = "verhuizing_form"

# value of gas_reading for customers without gas
NO_GAS = "geen"
# values of solar_panels and form_confirmed (meter_type: naadloos.core.answers.METER_SINGLE/DOUBLE)
YES = "ja"
NO = "nee"

# hand-over
ESCALATION_REASON = "escalation_reason"
ESCALATION_PRIORITY = "escalation_priority"
ESCALATION_TEAM = "escalation_team"
HANDOVER_STATUS = "handover_status"
HANDOVER_QUEUED = "queued"
HANDOVER_UNAVAILABLE = "unavailable"
HANDOVER_REFERRED = "referred"  # nobody available; the trigger's own alternatives, no callback form
# the conversation triggers' keys (REASON_*) live in naadloos.escalation.config

# escalation triggers that are not a hand-over themselves
FAILED_TURNS = "failed_turns"  # failures since the last hand-over: not understood, wrong answers, repeats
ESCALATION_DUE = "escalation_due"  # true: the rules call action_handover next

# callback request
CALLBACK_FORM = "callback_form"
CALLBACK_PHONE = "callback_phone"
CALLBACK_MOMENT = "callback_moment"
