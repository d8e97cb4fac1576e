// jobpage
