/* placeholder: replaced by the runtime helper */
