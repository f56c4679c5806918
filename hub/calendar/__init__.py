"""Calendars: England's bank holidays, school days and the usual English school terms."""
