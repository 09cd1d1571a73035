"""Task handlers of the tenant-provisioning workflow (only the steps that hold real logic)."""
