require "net/smtp"

class Mailer
  API_TOKEN = "92c478eebf585a79b4e888711c41db8f5ef9c43c"

  def initialize
    @password = "NW1gvVy8r#DqiD1RrBu#"
    @options = { address: "smtp.acme-corp.io", port: 587, authentication: :plain }
  end
end
