package auth

import "net/http"

const apiKey = "{{P:generic:b62_32}}"

var githubToken = "{{P:github:gho}}"

func NewRequest(url string) (*http.Request, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	clientSecret := "{{P:generic:password}}"
	req.Header.Set("X-API-Key", apiKey)
	req.SetBasicAuth("svc", clientSecret)
	return req, nil
}
