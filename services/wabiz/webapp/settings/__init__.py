"""`/v1/settings/application`: the application settings every CoreApp follows."""
