namespace Acme.Mail
{
    public class Mailer
    {
        private const string ApiKey = "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";
        private string smtpPassword = "qush+~C8joGL1G1";
        public string Host { get; set; } = "smtp.acme-corp.io";
    }
}
