"""The care record and clinical decisions: tables, sessions, dosing, holds, alerts. No Flask."""
