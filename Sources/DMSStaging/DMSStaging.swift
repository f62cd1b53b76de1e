// The DMSStaging module. Its types arrive with the work that builds it.
