require "net/smtp"

class Mailer
  API_TOKEN = "{{P:generic:hex40}}"

  def initialize
    @password = "{{P:generic:password}}"
    @options = { address: "smtp.acme-corp.io", port: 587, authentication: :plain }
  end
end
