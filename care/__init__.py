"""The care record and clinical decisions: tables, sessions, dosing policy, holds, alerts. No Flask."""
