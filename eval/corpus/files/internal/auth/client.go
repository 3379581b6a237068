package auth

import "net/http"

const apiKey = "j7BRIye5MYlooBnwhpJlAVTWo1lAJG9Y"

var githubToken = "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"

func NewRequest(url string) (*http.Request, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	clientSecret := "XB1UyFB-j7yE8L%S"
	req.Header.Set("X-API-Key", apiKey)
	req.SetBasicAuth("svc", clientSecret)
	return req, nil
}
