"""SLA policies, business calendars, case SLA clocks, breaches and surveys."""
