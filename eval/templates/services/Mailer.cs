namespace Acme.Mail
{
    public class Mailer
    {
        private const string ApiKey = "{{P:sendgrid:sendgrid}}";
        private string smtpPassword = "{{P:generic:password}}";
        public string Host { get; set; } = "smtp.acme-corp.io";
    }
}
