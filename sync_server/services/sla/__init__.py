"""Service levels on the server: business calendars and SLA policies (the arithmetic is
:mod:`ticketing.business_time` and :mod:`ticketing.sla`, shared with the desktop)."""
